"""How fast the audio comes back after ``kill -9`` of the audio process, with a ready
spare and started cold, and what the spare costs in memory (docs/benchmarks.md).

    .venv/bin/python tools/bench_spare.py [--kills 3]
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=3, help="kills of each kind (default 3)")
    args = ap.parse_args()
    import soundfile as sf

    from vj.audio.synth import drum_and_chords
    from vj.engine.host import AudioEngine
    from vj.live.faults import Faults

    song = Path(tempfile.mkdtemp()) / "song.wav"
    sf.write(song, drum_and_chords(sr=22050, duration=40.0, seed=6), 22050)
    for i in range(2 * args.kills):
        one_kill(AudioEngine(Faults(), audio_file=str(song)), spare=i % 2 == 0, memory=i == 0)


def one_kill(eng, *, spare: bool, memory: bool) -> None:
    import psutil

    from tests.conftest import wait_for

    eng.open().start()
    try:
        if not (wait_for(lambda: eng.hops > 50, 20) and wait_for(lambda: eng.spare_ready, 20)):
            sys.exit("the audio process or its spare did not start")
        if memory:
            for name, pid in (("running", eng.pid), ("spare", eng.spare_pid)):
                m = psutil.Process(pid).memory_full_info()
                print(f"{name} audio process: {m.uss / 1e6:.0f} MB own (USS), "
                      f"{m.rss / 1e6:.0f} MB resident")
        if not spare:
            os.kill(eng.spare_pid, signal.SIGKILL)
            wait_for(lambda: eng.spare_pid is None, 2)
        hops, t = eng.hops, time.perf_counter()
        os.kill(eng.pid, signal.SIGKILL)
        ok = wait_for(lambda: eng.hops > hops + 1, 20)
        took = time.perf_counter() - t
        print(f"{'spare' if spare else 'cold '}: first hop {took:.2f} s after the kill"
              + ("" if ok else " (timed out)"), flush=True)
    finally:
        eng.stop()

if __name__ == "__main__":
    main()
