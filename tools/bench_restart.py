"""Time from `kill -9` of a supervised show to the first frame of the one that replaces
it (issue 37): a show file on a synthetic song and procedural artworks, the show killed
N times (10 by default), each time waited for until the supervisor says it is back (its
first heartbeat: the first frame drawn).  Prints each time and the median.

    .venv/bin/python tools/bench_restart.py [N] [--size WxH]
"""
from __future__ import annotations

import os
import signal
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    import psutil

    from tests.conftest import Desk, free_port, wait_for
    from tests.test_set_live import rig, supervised
    from vj.bench.common import bench_bank, write_song
    from vj.bench.machine import machine

    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10
    size = sys.argv[sys.argv.index("--size") + 1] if "--size" in sys.argv else "1280x720"
    with tempfile.TemporaryDirectory(prefix="vj-restart-") as tmp:
        tmp = Path(tmp)
        song = tmp / "song.wav"
        write_song(song, 30.0)
        bank = bench_bank(tmp, model="image", size=512)
        osc = free_port()
        show = tmp / "set.toml"
        show.write_text(f"[options]\n{rig(song, osc, size=size, fps=None)}\n" + textwrap.dedent(f"""
            [[song]]
            name = "one"
            bank = "{bank}"
            preset = "techno"
            """))
        sup, err = supervised(show, tmp / "state")
        lines = err.lines
        desk = Desk(osc, timeout=0.5)
        times = []
        try:
            assert wait_for(lambda: (desk.status() or [0])[0] > 0, 120, 0.2), lines
            for i in range(n):
                # a show that has run past the supervisor's STABLE (10 s) dies: restarted at
                # once (quicker deaths back off, and 5 within 60 s stop the supervisor: 16 s apart)
                time.sleep(16.0)
                child = next(c for c in psutil.Process(sup.pid).children()
                             if "--no-supervise" in c.cmdline())
                seen = len(lines)
                killed = time.monotonic()
                os.kill(child.pid, signal.SIGKILL)
                assert wait_for(lambda s=seen: any("the show is back" in x
                                                   for _, x in lines[s:]), 60, 0.01), lines
                back = next(t for t, x in lines[seen:] if "the show is back" in x)
                times.append(back - killed)
                print(f"restart {i + 1}: first frame {times[-1]:.2f} s after kill -9", flush=True)
        finally:
            sup.send_signal(signal.SIGINT)
            sup.wait(30)
    print(f"machine: {machine()}; {size} headless, image bank")
    print(f"kill -9 to the first frame of the restarted show: median "
          f"{statistics.median(times):.2f} s, min {min(times):.2f}, max {max(times):.2f} "
          f"over {len(times)}")


if __name__ == "__main__":
    main()
