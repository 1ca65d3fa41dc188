"""The music never goes silent (issue 23): a renderer too slow for its size, and a
render process that holds the interpreter lock for 0.3 s every 2 s, must not cost the
audio analysis a single hop.  Fed by a real PulseAudio server, and by the file input."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vj.audio.streaming import LIVE_PARAMS, StreamingEnergy

pytestmark = pytest.mark.slow

#: Larger than this CPU's software renderer draws at 30 fps at render scale 1 (the
#: check below makes sure; a GPU would draw it at its refresh rate, and skip).
SLOW_SIZE = "3840x2160"
SECONDS = 60
#: The lock held in a C call (usleep through ctypes.PyDLL), as a long GL call holds it.
HOG = "0.3/2"


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    import soundfile as sf

    from vj.audio.synth import drum_and_chords

    y = drum_and_chords(sr=44100, duration=SECONDS + 15.0, seed=8)
    p = tmp_path_factory.mktemp("starve") / "song.wav"
    sf.write(p, np.stack([y, y], 1), 44100)
    return p


def _tap_dir(tmp_path):
    """Where the audio process writes its hops down: in memory (tmpfs) where there is
    one, so that the measuring adds no disk writes (and their journal) to the hop loop
    it measures."""
    import shutil
    import tempfile

    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        d = Path(tempfile.mkdtemp(prefix="vj-tap-", dir=shm))
        return d, lambda: shutil.rmtree(d, ignore_errors=True)
    return tmp_path / "tap", lambda: None


def _slow_show(tmp_path, art_bank, *source, env=None):
    tap, cleanup = _tap_dir(tmp_path)
    try:
        return _slow_show_in(tap, tmp_path, art_bank, *source, env=env)
    finally:
        cleanup()


def _slow_show_in(tap, tmp_path, art_bank, *source, env=None):
    out = tmp_path / "summary.json"
    env = {**(env or os.environ), "VJ_HOG": HOG, "VJ_AUDIO_TAP": str(tap)}
    res = subprocess.run([sys.executable, "-m", "vj", "live", "--bank", str(art_bank), *source,
                          "--headless", "--no-osc", "--size", SLOW_SIZE,
                          "--render-scale", "1", "--duration", str(SECONDS),
                          "--summary-json", str(out)],
                         env=env, capture_output=True, text=True, timeout=SECONDS + 120)
    assert res.returncode == 0, res.stderr
    s = json.loads(out.read_text())
    # a precondition of the set-up (issue 23: "a size this machine cannot draw at its
    # refresh rate"), not a bound: a renderer that keeps up cannot starve the audio, so a
    # fast GPU machine has nothing to judge here and says so
    if s["fps"] >= 30:
        pytest.skip(f"this renderer draws {SLOW_SIZE} at {s['fps']:.0f} fps: not slow enough "
                    "to starve anything")
    energies = [np.fromfile(f, np.float64) for f in sorted(tap.glob("energy-*.f64"))]
    analysed = [np.fromfile(f, np.float32) for f in sorted(tap.glob("analysed-*.f32"))]
    published = [np.fromfile(f, np.float64) for f in sorted(tap.glob("published-*.f64"))]
    assert len(energies) == 1, "the audio process was started again"
    s["published"] = published[0]
    s["hogs"] = np.fromfile(tap / "hog.f64", np.float64).reshape(-1, 2)
    print(f"\n{SLOW_SIZE} at {s['fps']:.1f} fps: {s['audio']}; energy age "
          f"{s['energy_age_ms']}; faults {s['fault_list']}; lock held "
          f"{len(s['hogs'])} times")
    return s, energies[0], analysed[0]


def _check(s, energy, reference):
    a = s["audio"]
    assert not [f for f in s["faults"] if f["part"] in ("audio", "input", "engine")], s["faults"]
    assert a["overruns"] == 0 and a["restarts"] == 0, a
    # every hop of the audio that arrived while the show ran (the hops are 11.6 ms)
    span = a["published_to_s"] - a["published_from_s"]
    assert a["hops"] * a["hop_seconds"] >= 0.99 * span, (a, span)
    # the render loop held the lock for 300 ms every 2 s (each time written down): an
    # analysis that waited on it would publish nothing while it was held, every time.
    # Hops go on being published through the holds.  One hold is left for the machine:
    # a loaded machine can stall any process for that long (CI: 316 ms at a show's start,
    # with no lock held).  What the longest gap is on an idle machine (16-48 ms: the
    # sound server's blocks) is printed by this test (-s), in docs/benchmarks.md.
    hogs, published = s["hogs"], s["published"]
    assert len(hogs) >= SECONDS // 2 - 3, len(hogs)      # every 2 s of the show
    during = [int(np.count_nonzero((published > a0) & (published < a1))) for a0, a1 in hogs]
    silent = sum(1 for n in during if n == 0)
    assert silent <= 1, (silent, during)
    hog_ms = float(HOG.split("/")[0]) * 1000
    # the energy a frame reads after a stall is as old as the stall if the analysis
    # waited for it: every frame after a stall, 1 in 12 or more at these frame rates
    assert s["energy_age_ms"]["p99"] < hog_ms, s["energy_age_ms"]
    n = min(len(energy), len(reference))
    assert n >= 0.99 * a["hops"]
    r = np.corrcoef(energy[:n], reference[:n])[0, 1]
    assert r >= 0.99, r


def _offline(y):
    eng, hop = StreamingEnergy(LIVE_PARAMS), LIVE_PARAMS.hop
    return np.array([eng.process(y[i * hop:(i + 1) * hop]).energy
                     for i in range(len(y) // hop)])


def test_a_file_input_is_heard_whole_under_a_slow_renderer_and_a_lock_hog(
        tmp_path, art_bank, song):
    from vj.audio.sources import FileSource

    s, energy, _ = _slow_show(tmp_path, art_bank, "--audio-file", str(song))
    # the song's own samples, from its start, through an engine of the live settings:
    # a hop lost or skipped anywhere shifts every hop after it
    ref = _offline(FileSource(song, sr=LIVE_PARAMS.sr).samples[:len(energy) * LIVE_PARAMS.hop
                                                              + LIVE_PARAMS.hop])
    _check(s, energy, ref)


def test_a_pulseaudio_input_is_heard_whole_under_a_slow_renderer_and_a_lock_hog(
        tmp_path, art_bank, song, pulse):
    pulse.play(song)
    s, energy, analysed = _slow_show(tmp_path, art_bank, "--input-device", "pulse",
                                     env=pulse.env)
    assert s["audio"]["kind"] == "device" and float(np.abs(analysed).max()) > 0.05
    # what the audio process got from the sound server, through an offline engine
    _check(s, energy, _offline(analysed))
