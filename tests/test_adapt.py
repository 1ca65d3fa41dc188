"""Degrade, do not starve: the render scale steps down while frames do not fit the
display's period and back up when they fit with room (vj.live.adapt)."""
import json
import subprocess
import sys

import pytest

from vj.live.adapt import EASY_BLOCKS, LATE_BLOCKS, LEVELS, RETRY_AFTER, RenderScale

PERIOD = 1 / 60


def _run(rs, seconds, busy, t0=0.0, fps=60):
    """Frames of ``busy(scale)`` seconds for ``seconds``; returns the end time."""
    t = t0
    for _ in range(int(seconds * fps)):
        t += 1 / fps
        rs.update(t, busy(rs.scale, rs.bicubic), PERIOD)
    return t


def cost(full: float):
    """A frame whose work scales with the pixels drawn (and halves without bicubic)."""
    return lambda scale, bicubic: full * scale * scale * (1.0 if bicubic else 0.5)


def test_too_slow_steps_down_until_the_frames_fit_and_stays_there():
    rs = RenderScale()
    t = _run(rs, 30, cost(4.5 * PERIOD))
    # 4.5 periods at full scale: 2.5 at 0.75, 1.1 at 0.5, 0.56 at 0.5 without bicubic
    assert (rs.scale, rs.bicubic) == (0.5, False), rs.describe()
    assert rs.lowest == 0.5 and len(rs.changes) == 3
    # each step waited for two late seconds: not a step per slow frame
    assert rs.changes[0][0] >= LATE_BLOCKS
    _run(rs, 60, cost(4.5 * PERIOD), t0=t)
    assert (rs.scale, rs.bicubic) == (0.5, False) and len(rs.changes) == 3


def test_room_again_steps_back_up_but_does_not_see_saw():
    rs = RenderScale()
    t = _run(rs, 10, cost(1.5 * PERIOD))           # 1.5 periods at full: down to 0.75
    assert rs.scale == 0.75
    t = _run(rs, 10, cost(0.3 * PERIOD), t0=t)     # the load is gone (a lighter bank)
    assert rs.scale == 0.75                        # full scale was too slow: not yet
    t = _run(rs, RETRY_AFTER, cost(0.3 * PERIOD), t0=t)
    assert rs.scale == 1.0, rs.changes             # tried again after the pause
    # a load that is just too slow for full scale: it goes down, up once after the
    # pause, and then waits twice as long, not a change every few seconds
    rs = RenderScale()
    _run(rs, 120, cost(1.1 * PERIOD))
    ups = sum(1 for (_, a), (_, b) in zip(rs.changes, rs.changes[1:]) if b > a)
    assert ups <= 120 / (2 * RETRY_AFTER) + 1, rs.changes


def test_a_short_stall_or_one_slow_frame_a_second_changes_nothing():
    rs = RenderScale()
    busy = cost(0.5 * PERIOD)
    t = 0.0
    for i in range(60 * 30):
        t += PERIOD
        # a 300 ms lock hog every 2 s and a slow frame every second
        b = 0.3 if i % 120 == 0 else (2 * PERIOD if i % 60 == 30 else busy(rs.scale, True))
        rs.update(t, b, PERIOD)
    assert rs.scale == 1.0 and rs.changes == []


def test_a_fixed_scale_is_kept_whatever_the_frames_take():
    rs = RenderScale(0.5)
    _run(rs, 10, cost(5 * PERIOD))
    assert rs.scale == 0.5 and rs.changes == [] and "fixed" in rs.describe()
    assert len(LEVELS) >= 4 and EASY_BLOCKS > LATE_BLOCKS


@pytest.mark.slow
def test_a_show_too_big_for_its_renderer_lowers_its_scale_and_says_so(tmp_path, art_bank,
                                                                      drum_song):
    out = tmp_path / "s.json"
    res = subprocess.run([sys.executable, "-m", "vj", "live", "--bank", str(art_bank),
                          "--audio-file", str(drum_song), "--headless", "--no-osc",
                          "--size", "3840x2160", "--duration", "14",
                          "--summary-json", str(out)], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    s = json.loads(out.read_text())
    rs = s["render_scale"]
    if not rs["changes"]:
        # a renderer that draws 4K at the display rate has nothing to shed
        assert s["busy_ms"]["p50"] < s["period_ms"], s
        pytest.skip(f"this renderer draws 3840x2160 at {s['fps']:.0f} fps")
    assert rs["lowest"] < 1.0 and not rs["fixed"]
    assert "render scale" in res.stdout.splitlines()[-1]
    # after the last step the frames fit the period more often than before the first
    assert rs["scale"] == rs["lowest"]


def test_the_loop_s_own_bookkeeping_allocates_nothing_per_frame():
    """What the render loop does on every frame besides drawing: the render scale's
    decision, the telemetry, the effects' uniforms (the board's read has its own test,
    tests/test_engine.py)."""
    from tests.conftest import grown_bytes
    from vj.live.telemetry import Telemetry
    from vj.render.fx import FxSettings, Uniforms, compute

    rs, tel, u, fx = RenderScale(), Telemetry(), Uniforms(), FxSettings(flash=0.5, trail=0.4)
    t = [0.0]

    def frame():
        t[0] += PERIOD
        rs.update(t[0], 0.5 * PERIOD, PERIOD)
        tel.frame(t[0], PERIOD, PERIOD, 20.0, 8.0, 12.0)
        compute(u, fx, time=t[0], onset=0.5, energy=0.4, intensity=0.5, master=1.0,
                blackout=False, crossfade=0.0, dt=PERIOD)

    # a list kept per frame would grow by tens of kilobytes over these frames
    assert grown_bytes(frame, 3000) < 4096
