"""Tempo and beat sync: the quantiser on a fixed grid, and a real Ableton Link session
with two processes inside a network namespace that has only loopback."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import netns_skip_reason
from vj.control.state import Command
from vj.live.tempo import Quantiser, next_boundary, segment_seconds


def test_next_boundary():
    assert next_boundary(1.3, 120.0, 4.0, 10.0) == pytest.approx((10.0 + 2.7 * 0.5, 4.0))
    assert next_boundary(4.0, 120.0, 4.0, 0.0) == pytest.approx((2.0, 8.0))   # on it: the next
    assert next_boundary(4.2, 60.0, 1.0, 0.0) == pytest.approx((0.8, 5.0))


def test_one_keyframe_per_n_bars():
    assert segment_seconds(2, 4, 120.0) == pytest.approx(4.0)    # 8 beats at 2 per second
    assert segment_seconds(1, 3, 90.0) == pytest.approx(2.0)
    assert segment_seconds(2, 4, None) is None and segment_seconds(None, 4, 120.0) is None


def test_held_commands_land_on_the_bar():
    clock = {"t": 0.0}
    grid = lambda now: (now * 2.0, 120.0)      # noqa: E731  (120 bpm from t = 0: beat = 2 t)
    q = Quantiser("bar", 4, grid)
    assert not q.hold(Command("master", 0.5), 0.0)        # levels are never held
    assert q.hold(Command("cut"), 0.65)                   # beat 1.3: waits for beat 4 (t = 2)
    assert q.hold(Command("preset", "rock"), 1.2)
    out, frame = [], 1 / 60
    while clock["t"] < 3.0:
        out += [(clock["t"], c) for c in q.release(clock["t"], frame / 2)]
        clock["t"] += frame
    assert [c.action for _, c in out] == ["cut", "preset"]
    assert all(abs(t - 2.0) <= frame / 2 for t, _ in out)
    assert q.report().startswith("2 quantised to the bar") and max(map(abs, q.offsets_ms)) <= 8.4
    assert not Quantiser("bar", 4, lambda now: None).hold(Command("cut"), 0.0)  # no tempo
    assert not Quantiser("off", 4, grid).hold(Command("cut"), 0.0)


@pytest.mark.slow
def test_link_tempo_is_adopted_and_cuts_land_on_the_bar(art_bank, drum_song, tmp_path):
    pytest.importorskip("aalink", reason="Ableton Link needs the extra vj[link] (aalink)")
    why = netns_skip_reason()
    if why:
        pytest.skip(why)
    port = 7000   # the namespace is new: its ports are all free
    peer = Path(__file__).with_name("link_peer.py")
    py = sys.executable
    ready = tmp_path / "peer-ready"
    # When two Link sessions meet, the one older by more than 0.5 s wins, and within
    # 0.5 s the lower random session id (Ableton Link, Sessions.hpp: SESSION_EPS): so vj
    # starts 1 s after the peer's session runs, as it would beside a set already playing
    # (a loaded machine once slowed the peer's start until vj's session won the tie).
    script = (f"ip link set lo up; ip link set lo multicast on; "
              f"'{py}' '{peer}' 130 {port} 4 8 '{ready}' & "
              f"i=0; while [ ! -e '{ready}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); "
              f"done; sleep 1; "
              f"'{py}' -m vj live --headless --bank '{art_bank}' --audio-file '{drum_song}' "
              f"--duration 8 --size 64x48 --link --quantize bar --osc-host 127.0.0.1 "
              f"--osc-port {port}; wait")
    # Only loopback in the namespace: no Link traffic leaves this machine.
    r = subprocess.run(["unshare", "-rn", "sh", "-c", script], capture_output=True, text=True,
                       timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    m = re.search(r"tempo ([\d.]+) bpm \(link, (\d+) peers?\), the session's tempo adopted "
                  r"([\d.]+) s after joining; (\d+) quantised to the bar, landing within "
                  r"([\d.]+) ms", out)
    assert m, out
    bpm, peers, adopted, cuts, worst = (float(m[1]), int(m[2]), float(m[3]), int(m[4]),
                                        float(m[5]))
    assert bpm == pytest.approx(130.0) and peers == 1
    assert adopted <= 2.0
    assert cuts == 4 and worst <= 20.0
