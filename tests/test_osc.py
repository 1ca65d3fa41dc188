"""OSC control with real UDP packets on 127.0.0.1 (python-osc's client as the desk)."""
import random
import struct
import time

import pytest
from pythonosc.osc_bundle_builder import OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient

from vj.control.osc import OscServer
from vj.control.state import ShowState, apply, speed_multiplier

PRESETS = ["electronic", "house", "jazz", "techno"]
BANKS = ["club", "gallery"]


def _state():
    return ShowState(presets=list(PRESETS), banks=list(BANKS), preset="techno", bank="club")


@pytest.fixture
def server():
    s = OscServer(host="127.0.0.1", port=0, names=lambda: {"preset": PRESETS, "bank": BANKS},
                  status=lambda: {"fps": 59.9, "preset": "techno", "energy": 0.25,
                                  "latency_ms": 21.0, "dropped": 3, "scale": 0.75,
                                  "master": 0.4, "set": "song 2/3 B"}).start()
    yield s
    s.stop()


def _client(server):
    return SimpleUDPClient("127.0.0.1", server.address[1])


def _wait(server, packets, timeout=5.0):
    """Until the server has received and finished ``packets`` packets."""
    end = time.time() + timeout
    st = server.stats
    while (st.packets < packets or st.good + st.bad < st.packets) and time.time() < end:
        time.sleep(0.005)
    assert st.packets == packets and st.good + st.bad == packets


def _send_and_apply(server, state, sends):
    c = _client(server)
    n0 = server.stats.packets
    for address, value in sends:
        c.send_message(address, value)
    _wait(server, n0 + len(sends))
    for cmd in server.drain():
        apply(state, cmd, now=time.time())
    return state


def test_every_address_changes_the_state_as_documented(server):
    st = _state()
    _send_and_apply(server, st, [("/vj/preset", "jazz")])
    assert st.preset == "jazz" and st.changed_look == 1
    _send_and_apply(server, st, [("/vj/preset/next", [])])
    assert st.preset == "techno"
    _send_and_apply(server, st, [("/vj/preset/prev", []), ("/vj/preset/prev", [])])
    assert st.preset == "house"
    _send_and_apply(server, st, [("/vj/bank", "gallery")])
    assert st.bank == "gallery"
    _send_and_apply(server, st, [("/vj/intensity", 0.8), ("/vj/speed", 1.0), ("/vj/master", 0.25)])
    assert (st.intensity, st.speed, st.master) == (pytest.approx(0.8), 1.0, 0.25)
    assert speed_multiplier(st.speed) == 4.0 and speed_multiplier(0.5) == 1.0
    _send_and_apply(server, st, [("/vj/blackout", 1)])
    assert st.blackout is True
    _send_and_apply(server, st, [("/vj/blackout", 0)])
    assert st.blackout is False
    _send_and_apply(server, st, [("/vj/cut", []), ("/vj/cut", 1), ("/vj/cut", 0)])
    assert st.cuts == 2  # press, press, release
    for name in ("flash", "trail", "hue", "strobe"):
        _send_and_apply(server, st, [(f"/vj/fx/{name}", 0.5)])
        assert st.fx[name] == 0.5
    _send_and_apply(server, st, [("/vj/auto", 1)])
    assert st.auto is True
    _send_and_apply(server, st, [("/vj/bpm", 128.0)])
    assert st.bpm == 128.0
    _send_and_apply(server, st, [("/vj/tap", [])])
    assert len(st.taps) == 1  # tempo from taps: test_tap_tempo
    _send_and_apply(server, st, [("/vj/hud", 1)])
    assert st.hud is True
    assert server.stats.bad == 0


def test_tap_tempo():
    st = _state()
    from vj.control.state import Command

    for t in (10.0, 10.5, 11.0, 11.5):
        apply(st, Command("tap"), now=t)
    assert st.bpm == 120.0


def test_status_replies_to_the_sender(server):
    from pythonosc.osc_message import OscMessage

    c = _client(server)
    c._sock.settimeout(2.0)
    c.send_message("/vj/status", [])
    data, _ = c._sock.recvfrom(4096)
    msg = OscMessage(data)
    assert msg.address == "/vj/status"
    # the first ten in their old order (desks read them by position), then what came since
    fps, preset, energy, latency, dropped, bad, fault, midi, scale, dmx, master, set_ = msg.params
    assert (preset, dropped, bad, fault, midi, scale, dmx) == ("techno", 3, 0, "", "", 0.75, "")
    assert master == pytest.approx(0.4) and set_ == "song 2/3 B"
    assert fps == pytest.approx(59.9, abs=1e-4) and latency == pytest.approx(21.0)


@pytest.mark.parametrize("desk,address,value,field,expect", [
    ("grandma3", "/vj/master", 50, "master", 0.5),
    ("grandma3", "/vj/intensity", 100, "intensity", 1.0),
    ("grandma3", "/gma3/Page1/Fader201", 25, "master", 0.25),
    ("magicq", "/pb/1", 100, "master", 1.0),
    ("magicq", "/pb/2", 30, "intensity", 0.3),
    ("eos", "/eos/out/fader/1/1", 0.75, "master", 0.75),
    ("generic", "/vj/master", 0.4, "master", 0.4),
    ("grandma3", "/vj/blackout", 100, "blackout", True),
    ("grandma3", "/vj/blackout", 0, "blackout", False),
])
def test_desk_profiles_scale_levels(desk, address, value, field, expect):
    s = OscServer(host="127.0.0.1", port=0, profile=desk).start()
    try:
        st = _state()
        st.blackout = not expect if field == "blackout" else st.blackout
        _send_and_apply(s, st, [(address, value)])
        assert getattr(st, field) == pytest.approx(expect)
        assert s.stats.bad == 0
    finally:
        s.stop()


def test_generic_profile_refuses_0_to_100_values(server):
    st = _state()
    _send_and_apply(server, st, [("/vj/master", 50)])
    assert st.master == 1.0 and server.stats.bad == 1


def _bundle(when, address, value):
    b = OscBundleBuilder(when)
    m = OscMessageBuilder(address)
    m.add_arg(value)
    b.add_content(m.build())
    return b.build().dgram


def _hostile_packets(n, rng):
    """Every kind of packet a broken or malicious sender can produce."""
    def msg(address, *args):
        m = OscMessageBuilder(address)
        for a in args:
            m.add_arg(a)
        return m.build().dgram

    makers = [
        lambda: bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64))),  # random bytes
        lambda: msg("/vj/master", "loud"),                                     # wrong type
        lambda: msg("/vj/master", float("nan")),                               # NaN
        lambda: msg("/vj/intensity", float("inf")),
        lambda: msg("/vj/master", 0.5, 0.5),                                   # wrong count
        lambda: msg("/vj/master", 7.5),                                        # out of range
        lambda: msg("/vj/bpm", 5000.0),
        lambda: msg("/vj/preset", "x" * 5000),                                 # huge string
        lambda: msg("/vj/preset", "no-such-genre"),
        lambda: msg("/vj/bank", "no-such-bank"),
        lambda: msg(f"/vj/nope/{rng.randint(0, 99)}", 1),                      # unknown address
        lambda: msg("/other/app", 1.0),
        lambda: msg("/vj/fx/sparkle", 0.5),
        lambda: msg("/vj/cut", "now"),
        lambda: _bundle(time.time() + 86400 * 365, "/vj/blackout", 1),         # far future
        lambda: b"#bundle\x00" + b"\x00" * 5,                                  # truncated bundle
        lambda: msg("/vj/blackout", 3),
        lambda: struct.pack(">i", 0x7fffffff) + b"/vj/master\x00\x00",         # garbage header
    ]
    return [makers[i % len(makers)]() for i in range(n)]


def test_ten_thousand_hostile_packets(server):
    rng = random.Random(7)
    packets = _hostile_packets(10_000, rng)
    st = _state()
    before = st.snapshot()
    c = _client(server)
    sent = 0
    for i, p in enumerate(packets):
        c._sock.sendto(p, ("127.0.0.1", server.address[1]))
        sent += 1
        if i % 250 == 249:  # let the server keep up; UDP would drop a flood
            _wait(server, sent)
    _wait(server, sent)
    for cmd in server.drain():
        apply(st, cmd)
    assert st.snapshot() == before                 # the show unchanged
    assert server.stats.bad == len(packets)        # every one counted
    assert server._thread.is_alive()               # the server alive
    _send_and_apply(server, st, [("/vj/master", 0.5)])  # and still working
    assert st.master == 0.5
    assert set(server.stats.by_kind) >= {"malformed", "wrong type", "not finite", "out of range",
                                         "unknown address", "far-future time tag",
                                         "wrong argument count", "bad string", "unknown preset"}


def test_future_bundles_are_scheduled_without_stalling(server):
    c = _client(server)
    c._sock.sendto(_bundle(time.time() + 0.6, "/vj/master", 0.2), ("127.0.0.1", server.address[1]))
    c.send_message("/vj/intensity", 0.9)
    t0 = time.time()
    got = []
    while time.time() - t0 < 2.0 and len(got) < 2:
        got += [(time.time() - t0, cmd) for cmd in server.drain()]
        time.sleep(0.01)
    assert [cmd.action for _, cmd in got] == ["intensity", "master"]
    assert got[0][0] < 0.2            # the immediate message was not held up
    assert 0.5 < got[1][0] < 1.0      # the bundle came at its time
    assert server.stats.bad == 0


@pytest.mark.slow
def test_a_running_show_answers_the_desk_with_its_status(tmp_path, art_bank):
    """A headless show answering a desk (blackout reaching the picture is checked with
    the frame outputs, tests/test_outputs.py)."""
    import soundfile as sf

    from tests.conftest import show_thread
    from vj.audio.synth import click_train
    from vj.live.show import ShowConfig

    y, _ = click_train(sr=22050, duration=4.0)
    sf.write(tmp_path / "c.wav", y, 22050)
    show, th, result = show_thread(ShowConfig(
        banks=[str(art_bank)], audio_file=str(tmp_path / "c.wav"), headless=True, size=(64, 48),
        osc_host="127.0.0.1", osc_port=0, duration=3.0, preset="classical"))
    time.sleep(1.5)
    c = SimpleUDPClient("127.0.0.1", show.osc.address[1])
    c._sock.settimeout(2.0)
    c.send_message("/vj/status", [])
    from pythonosc.osc_message import OscMessage

    status = OscMessage(c._sock.recvfrom(4096)[0]).params
    th.join()
    s = result["s"]
    fps, preset, energy, latency, dropped, bad, fault, midi, scale, dmx, master, set_ = status
    assert master == 1.0 and set_ == ""      # no show file: no set list
    # the frame rate of the second before (the status is refreshed twice a second)
    assert 0.5 * s.fps < fps < 1.5 * s.fps and preset == "classical", (status, s.fps)
    assert (bad, midi, scale, dmx) == (0, "", 1.0, "") and 0.0 <= energy <= 1.0
    assert s.osc_packets == 1 and s.osc_errors == 0


def test_a_message_whose_arguments_are_cut_short_is_refused(server):
    """python-osc pads a truncated float with zeros: /vj/master would become 0."""
    good = b"/vj/master\0\0,f\0\0\x3f\0\0\0"          # 0.5
    server.handle(good[:-4], ("127.0.0.1", 9))
    server.handle(b"/vj/preset\0\0,s\0\0tech", ("127.0.0.1", 9))  # no terminator
    assert server.stats.by_kind.get("malformed") == 2 and server.stats.good == 0
    server.handle(good, ("127.0.0.1", 9))
    assert server.stats.good == 1


@pytest.mark.slow
def test_a_real_liblo_desk_steers_the_server_and_gets_its_feedback():
    """oscsend and oscdump (liblo-tools): another OSC implementation than python-osc."""
    import shutil
    import socket
    import subprocess

    if not (shutil.which("oscsend") and shutil.which("oscdump")):
        pytest.skip("liblo-tools is not installed (make test installs it)")
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    fb_port = probe.getsockname()[1]
    probe.close()
    dump = subprocess.Popen(["oscdump", "-L", str(fb_port)], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        s = OscServer(host="127.0.0.1", port=0, feedback=("127.0.0.1", fb_port),
                      names=lambda: {"preset": PRESETS, "bank": BANKS}).start()
        try:
            port = str(s.address[1])
            for args in (["/vj/preset", "s", "techno"], ["/vj/master", "f", "0.25"],
                         ["/vj/cut"], ["/vj/speed", "f", "7"]):
                subprocess.run(["oscsend", "127.0.0.1", port, *args], check=True, timeout=10)
            got = []
            t0 = time.time()
            while len(got) < 3 and time.time() - t0 < 3:
                got += [(c.action, c.value) for c in s.drain()]
                time.sleep(0.02)
            assert got == [("preset", "techno"), ("master", 0.25), ("cut", None)], got
            assert s.stats.bad == 1 and s.stats.by_kind == {"out of range": 1}
            time.sleep(0.3)
        finally:
            s.stop()
    finally:
        dump.terminate()
        out = dump.communicate(timeout=5)[0]
    assert "/vj/master f 0.250000" in out and '/vj/preset s "techno"' in out, out
