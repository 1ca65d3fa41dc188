"""DMX input (vj.dmx): packets, merging, the personality, fixture files, and the show
steered by real Art-Net and sACN senders (stupidartnet, sacn, OLA)."""
import os
import socket
import time

import pytest

from tests.conftest import show_thread, wait_for
from vj.control.state import Command
from vj.dmx import packets as P
from vj.dmx.merge import Merger
from vj.dmx.personality import CONTROL, load_personality, select
from vj.dmx.receiver import DmxReceiver

BASIC = load_personality().mode("basic")


def frame(**values) -> bytearray:
    """A universe with the basic mode at address 1: master (16-bit), preset, ..."""
    f = bytearray(512)
    for c in BASIC.channels:
        v = values.get(c.function.replace("fx/", ""), 0)
        if c.fine:
            f[c.offset], f[c.offset + 1] = v >> 8, v & 0xFF
        else:
            f[c.offset] = v
    return f


# -- packets ----------------------------------------------------------------------------------------

def test_artdmx_and_sacn_round_trip_and_refuse_what_is_malformed():
    d = P.parse_artdmx(P.artdmx(0x1234 & 0x7FFF, bytes([1, 2, 3])))
    assert d.universe == 0x1234 and bytes(d.slots) == b"\x01\x02\x03\x00"   # padded even
    s = P.parse_sacn(P.sacn_data(7, bytes(range(10)), priority=150, sequence=9,
                                 name="desk"))
    assert (s.universe, s.priority, s.sequence, s.name) == (7, 150, 9, "desk")
    assert bytes(s.slots) == bytes(range(10)) and not s.terminated
    assert P.parse_sacn(P.sacn_data(7, b"\0", terminated=True)).terminated
    good = P.artdmx(0, bytes(8))
    for bad, kind in ((good[:15], "short"), (b"Art-Nex\0" + good[8:], "not Art-Net"),
                      (good[:16] + b"\x02\x00" + good[18:], "bad length")):
        with pytest.raises(P.BadPacket) as e:
            P.parse_artdmx(bad)
        assert e.value.kind == kind
    with pytest.raises(P.BadPacket):
        P.parse_sacn(P.sacn_data(1, bytes(4))[:100])
    preview = bytearray(P.sacn_data(1, bytes(4)))
    preview[112] |= P.OPT_PREVIEW
    assert P.parse_sacn(preview) is None          # preview data is not for the show


def test_sacn_sequence_rule_of_e131():
    assert P.sequence_ok(None, 5) and P.sequence_ok(5, 6) and P.sequence_ok(250, 3)
    assert not P.sequence_ok(5, 5) and not P.sequence_ok(10, 0) and P.sequence_ok(30, 5)


def test_artpoll_reply_names_vj_as_a_media_server():
    r = P.parse_artpoll_reply(P.artpoll_reply("10.1.2.3", 0x0123))
    assert r == {"ip": "10.1.2.3", "short": "vj", "long": "vj live visuals", "universe": 0x123,
                 "style": 2}


# -- merging ----------------------------------------------------------------------------------------

def dmx(slots, priority=100, seq=0, terminated=False, name="s"):
    return P.Dmx(1, memoryview(bytes(slots)), b"", priority, seq, terminated, name)


def test_merge_highest_priority_wins_then_htp_on_the_dimmer_and_ltp_elsewhere():
    m = Merger("sacn", BASIC.htp_slots(1))
    a, b = frame(master=40000, flash=10), frame(master=30000, flash=20)
    m.feed("A", dmx(a, seq=1), 0.0)
    m.feed("B", dmx(b, seq=1), 0.0)
    m.merge(0.0)
    assert m.out[:2] == bytes(a[:2])        # HTP: the larger 16-bit master, both bytes from A
    a[6] = 99                               # A moves the flash fader: it was changed last
    m.feed("A", dmx(a, seq=2), 0.1)
    m.merge(0.1)
    assert m.out[6] == 99
    b[6] = 55
    m.feed("B", dmx(b, seq=2), 0.2)
    m.merge(0.2)
    assert m.out[6] == 55                   # LTP: now B changed it last
    m.feed("C", dmx(frame(master=1, flash=1), priority=150, seq=1), 0.3)
    m.merge(0.3)
    assert m.out[:2] == bytes(frame(master=1)[:2]) and m.out[6] == 1   # priority beats HTP
    m.feed("C", dmx(frame(), priority=150, seq=2, terminated=True), 0.4)
    assert m.merge(0.4) == 2 and m.out[:2] == bytes(a[:2])   # terminated: the others again


def test_merge_drops_a_silent_source_after_its_timeout_and_out_of_order_packets():
    m = Merger("sacn")
    m.feed("A", dmx(frame(master=9), priority=200, seq=10), 0.0)
    m.feed("B", dmx(frame(master=5), seq=1), 0.0)
    assert not m.feed("A", dmx(frame(master=1), priority=200, seq=5), 0.1)  # out of order
    m.merge(1.0)
    assert m.out[1] == 9 and m.dropped_sequence == 1
    m.feed("B", dmx(frame(master=5), seq=2), 2.6)
    assert m.merge(2.6) == 1 and m.out[1] == 5        # A silent for 2.6 s > 2.5 s


# -- the personality --------------------------------------------------------------------------------

def test_personality_decodes_channels_at_the_start_address():
    f = bytearray(512)
    f[99:101] = b"\x12\x34"
    f[101] = 21
    vals = BASIC.decode(f, 100)
    assert vals["master"] == 0x1234 and vals["preset"] == 21 and BASIC.footprint == 12
    assert load_personality().mode("extended").footprint == 17
    assert select(0, 5) is None and select(1, 5) == 0 and select(21, 5) == 2
    assert select(51, 5) is None                      # past the list: keep
    covered = sorted(v for lo, hi, _, _ in CONTROL for v in range(lo, hi + 1))
    assert covered == list(range(256))                # every control value has a meaning


def test_a_bad_personality_is_refused_with_one_line(tmp_path):
    from vj.errors import VjError

    p = tmp_path / "p.toml"
    p.write_text('[modes.x]\nchannels = ["master", "bogus"]\n')
    with pytest.raises(VjError, match="unknown function 'bogus'"):
        load_personality(p)
    p.write_text('[modes.x]\nchannels = ["preset:16"]\n')
    with pytest.raises(VjError, match="only levels can be 16-bit"):
        load_personality(p)


# -- fixture files ----------------------------------------------------------------------------------

def test_gdtf_reads_back_with_pygdtf_and_qxf_lists_the_same_channels(tmp_path):
    import xml.etree.ElementTree as ET

    import pygdtf

    from tests.conftest import run_vj

    gd, qx = tmp_path / "vj.gdtf", tmp_path / "vj.qxf"
    for fmt, out in (("gdtf", gd), ("qxf", qx)):
        r = run_vj("dmx", "fixture", "--dmx-mode", "all", "--format", fmt, "-o", out)
        assert r.returncode == 0, r.stderr
    p = load_personality()
    ft = pygdtf.FixtureType(str(gd))
    assert ft.name == "vj" and [m.name for m in ft.dmx_modes] == list(p.modes)
    for m in ft.dmx_modes:
        mode = p.mode(m.name)
        assert m.dmx_channels_count == mode.footprint
        offsets = [list(c.offset) for c in m._dmx_channels]
        assert offsets == [[c.offset + 1, c.offset + 2] if c.fine else [c.offset + 1]
                           for c in mode.channels]
    ns = {"q": "http://www.qlcplus.org/FixtureDefinition"}
    root = ET.parse(qx).getroot()
    for m in root.findall("q:Mode", ns):
        assert len(m.findall("q:Channel", ns)) == p.mode(m.get("Name")).footprint
    preset = [c for c in root.findall("q:Channel", ns) if c.get("Name") == "Preset select"][0]
    caps = [(int(c.get("Min")), c.text) for c in preset.findall("q:Capability", ns)]
    assert (1, "blues") in caps and (0, "keep") in caps     # the order `vj presets` lists


QLC_FIXTURES = "/usr/share/qlcplus/fixtures"


def _shipped_channel_forms():
    """The attributes and child tags of <Channel> in every fixture QLC+ ships, and the
    presets they use."""
    import glob
    import xml.etree.ElementTree as ET

    attrs, tags, presets = set(), set(), set()
    for f in glob.glob(f"{QLC_FIXTURES}/*/*.qxf")[:400]:
        for ch in ET.parse(f).getroot().iter("{http://www.qlcplus.org/FixtureDefinition}Channel"):
            if ch.get("Name") is None:          # a mode's channel list, not a definition
                continue
            attrs |= set(ch.attrib)
            tags |= {c.tag.split("}")[1] for c in ch}
            if ch.get("Preset"):
                presets.add(ch.get("Preset"))
    return attrs, tags, presets


@pytest.mark.slow
def test_the_qlc_fixture_has_the_form_qlcplus_ships_and_loads_without_a_warning(tmp_path):
    """QLC+ 4.12 itself: its own fixtures say how a channel is written, and QLC+ loads
    vj's fixture from beside a workspace (offscreen, as root) without a warning."""
    import shutil
    import subprocess
    import xml.etree.ElementTree as ET

    if not shutil.which("qlcplus") or not os.path.isdir(QLC_FIXTURES):
        pytest.skip("QLC+ is not installed (make test installs the Debian package qlcplus)")
    from tests.conftest import run_vj

    qx = tmp_path / "vj-vj.qxf"
    assert run_vj("dmx", "fixture", "--dmx-mode", "all", "--format", "qxf", "-o", qx).returncode == 0
    attrs, tags, presets = _shipped_channel_forms()
    for ch in ET.parse(qx).getroot().iter("{http://www.qlcplus.org/FixtureDefinition}Channel"):
        if ch.get("Name") is None:
            continue
        assert set(ch.attrib) <= attrs, ch.attrib
        assert {c.tag.split("}")[1] for c in ch} <= tags, ch.get("Name")
        if ch.get("Name", "").startswith("Master dimmer"):
            assert ch.get("Preset") in presets, ch.attrib
    p = load_personality()
    fixtures = "".join(
        f"<Fixture><Manufacturer>vj</Manufacturer><Model>vj</Model><Mode>{m}</Mode><ID>{i}</ID>"
        f"<Name>vj {m}</Name><Universe>0</Universe><Address>{i * 100}</Address>"
        f"<Channels>{p.mode(m).footprint}</Channels></Fixture>" for i, m in enumerate(p.modes))
    ws = tmp_path / "show.qxw"
    ws.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Workspace>\n'
                  '<Workspace CurrentWindow="FixtureManager"><Creator><Name>Q Light Controller '
                  'Plus</Name><Version>4.12.6</Version><Author>vj</Author></Creator><Engine>'
                  f'{fixtures}</Engine></Workspace>\n')
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    proc = subprocess.Popen(["qlcplus", "-o", str(ws), "-d"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=10)      # QLC+ runs until it is closed
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    assert f'Fallback to:  "{qx}"' in out or f'Fallback to: "{qx}"' in out, out[-2000:]
    # what QLC+ says of a fixture it misreads: "QLCChannel::loadXML Unknown Channel tag"
    bad = [line for line in out.splitlines() if "Unknown" in line
           or ("loadXML" in line and ("QLCChannel" in line or "QLCFixture" in line))]
    assert not bad, bad


# -- real packets into a receiver -------------------------------------------------------------------


def test_artpoll_from_a_socket_gets_an_artpollreply_naming_vj():
    rx = DmxReceiver("artnet", 3, host="127.0.0.1").start()
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(2.0)
        s.sendto(P.artpoll(), ("127.0.0.1", P.ARTNET_PORT))
        r = P.parse_artpoll_reply(s.recv(1024))
        assert r["short"] == "vj" and r["universe"] == 3 and r["ip"] == "127.0.0.1"
    finally:
        rx.stop()


def test_bad_and_foreign_packets_are_counted_by_kind_and_other_universes_ignored():
    rx = DmxReceiver("artnet", 0, host="127.0.0.1").start()
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for data in (b"hello", P.artdmx(0, bytes(8))[:12], P.artdmx(5, bytes(8)),
                     P.artdmx(0, bytes([7, 7]))):
            s.sendto(data, ("127.0.0.1", P.ARTNET_PORT))
        assert wait_for(lambda: rx.packets == 4)
        assert rx.by_kind == {"not Art-Net": 1, "short": 1} and rx.other == 1 and rx.good == 1
    finally:
        rx.stop()


@pytest.mark.slow
def test_two_sacn_sources_the_higher_priority_wins_until_it_terminates():
    import sacn

    rx = DmxReceiver("sacn", 1, htp=BASIC.htp_slots(1)).start()
    senders = []
    try:
        for prio, master, name in ((150, 0x2000, "main desk"), (100, 0xF000, "backup desk")):
            s = sacn.sACNsender(bind_address="127.0.0.1", bind_port=0, source_name=name,
                                fps=40, universeDiscovery=False)
            s.start()
            s.activate_output(1)
            s[1].multicast = False
            s[1].destination = "127.0.0.1"
            s[1].priority = prio
            s[1].dmx_data = tuple(frame(master=master, flash=prio))
            senders.append(s)
        f = bytearray(512)
        assert wait_for(lambda: rx.live_sources == 2 and rx.read(f, -1) and f[0] == 0x20)
        assert f[6] == 150                 # everything from the higher priority
        t = time.monotonic()
        senders[0].deactivate_output(1)    # sends E1.31 stream-terminated packets
        assert wait_for(lambda: rx.read(f, -1) and f[0] == 0xF0, timeout=2.0)
        # by the termination, not by the 2.5 s source timeout of E1.31
        assert time.monotonic() - t < 2.5 and f[6] == 100
        assert sorted(n for n, _ in rx.merger.sources()) == ["backup desk"]
    finally:
        for s in senders:
            s.stop()
        rx.stop()


# -- the show ---------------------------------------------------------------------------------------

def dmx_show(art_bank, drum_song, **kw):
    from vj.live.show import ShowConfig

    cfg = ShowConfig(banks=[str(art_bank)], audio_file=str(drum_song), headless=True,
                     size=(160, 120), osc=False, preset="techno", **kw)
    return show_thread(cfg, probe=True)


def published(show, test):
    """Wait until the receiver has published a universe that passes ``test``; returns the
    number of frames the show had begun by then."""
    rx, f = show.dmx.receiver, bytearray(512)

    def ok():
        rx.read(f, -1)
        return test(f)

    assert wait_for(ok), "never published"
    return show.log.frames


def send(desk, f):
    desk.set(bytearray(f))
    desk.show()


def next_frames(show, n, k=2):
    """Wait until ``k`` frames after the ``n``-th have begun."""
    assert wait_for(lambda: show.log.frames >= n + k)


@pytest.mark.slow
def test_a_desk_over_artnet_steers_master_preset_and_cut_once_per_transition(art_bank,
                                                                              drum_song):
    from stupidArtnet import StupidArtnet

    show, th, out = dmx_show(art_bank, drum_song, duration=8.0, dmx=("artnet", 0),
                             dmx_host="127.0.0.1")
    desk = StupidArtnet("127.0.0.1", 0, 512, 44)
    try:
        send(desk, frame(master=0))
        n0 = published(show, lambda u: u[0] == 0 and u[1] == 0)
        next_frames(show, n0, 3)
        dark = show.log.brightness.values()[n0 + 1:]
        assert dark.max() < 1.0, dark        # master 0: black
        want = "jazz"
        f = frame(master=65535, preset=1 + 10 * show.state.presets.index(want))
        send(desk, f)
        n1 = published(show, lambda u: u[0] == 255)
        next_frames(show, n1)
        # the frame begun after the universe was published shows it: the read is once per
        # frame, before the frame is drawn (a frame begun before it may not)
        assert show.log.brightness.values()[n1 + 1] > 10.0
        assert show.state.preset == want and show.state.master == 1.0
        for _ in range(3):                   # the control channel into the cut range, held
            f[10] = 20                       # for 20 packets: one cut per entry
            for _ in range(20):
                send(desk, f)
                time.sleep(0.005)
            next_frames(show, published(show, lambda u: u[10] == 20))
            f[10] = 0
            send(desk, f)
            next_frames(show, published(show, lambda u: u[10] == 0))
        assert show.dmx.triggers["cut"] == 3, show.dmx.triggers
    finally:
        th.join(20)
    s = out["s"].details["dmx"]
    assert s["good"] >= 60 and s["bad"] == 0 and s["triggers"]["cut"] == 3


@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["artnet", "sacn"])
def test_a_desk_walks_the_set_list_and_its_starting_zeros_are_ignored(art_bank, drum_song,
                                                                      tmp_path, monkeypatch,
                                                                      protocol):
    """The extended mode's song channel and the control channel's GO and BACK ranges,
    from a real sender (stupidartnet's Art-Net, the sacn package's E1.31, unicast to
    127.0.0.1); with --dmx-ignore-blank the zeros a desk sends as it starts do not black
    the show out."""
    from vj.show.file import read_show
    from vj.show.setlist import SetList

    monkeypatch.setenv("VJ_STATE", str(tmp_path / "state"))
    f = tmp_path / "set.toml"
    f.write_text(f'[[song]]\nname = "a"\nbank = "{art_bank}"\n[[song.cue]]\nname = "c"\n'
                 f'[[song]]\nname = "b"\nbank = "{art_bank}"\npreset = "jazz"\n')
    setlist = SetList(read_show(f)[0], tmp_path)
    show, th, out = dmx_show(art_bank, drum_song, duration=20.0,
                             dmx=(protocol, 0 if protocol == "artnet" else 1),
                             dmx_host="127.0.0.1", dmx_mode="extended", dmx_ignore_blank=True,
                             show_file=str(f), setlist=setlist)
    ext = load_personality().mode("extended")
    off = {c.function: c.offset for c in ext.channels}
    if protocol == "artnet":
        from stupidArtnet import StupidArtnet

        desk = StupidArtnet("127.0.0.1", 0, 512, 44)
        stop = lambda: None
    else:
        import sacn

        s = sacn.sACNsender(bind_address="127.0.0.1", bind_port=0, source_name="a desk",
                            fps=40, universeDiscovery=False)
        s.start()
        s.activate_output(1)
        s[1].multicast, s[1].destination = False, "127.0.0.1"

        class SacnDesk:             # the shape of stupidartnet's: set, then show
            def set(self, u):
                s[1].dmx_data = tuple(u)

            def show(self):
                pass

        desk, stop = SacnDesk(), s.stop
    try:
        assert wait_for(lambda: show.set.cursor.step == (0, 0))
        for _ in range(5):
            send(desk, bytearray(512))            # a desk that starts: all zeros
        published(show, lambda u: not any(u[:20]))
        assert wait_for(lambda: show.dmx.ignored > 0)
        next_frames(show, show.log.frames, 3)
        assert show.state.master == 1.0           # not blacked out

        def universe(control=0, song=0):
            u = bytearray(512)
            u[off["master"]], u[off["master"] + 1] = 255, 255
            u[off["control"]], u[off["song"]] = control, song
            return u

        for control, want in ((0, (0, 0)), (130, (0, 1)), (0, (0, 1)), (150, (0, 0))):
            u = universe(control)
            send(desk, u)
            published(show, lambda got, u=u: got[:20] == u[:20])   # this very universe
            next_frames(show, show.log.frames)                      # and a frame applied it
            assert wait_for(lambda w=want: show.set.cursor.step == w, 5), (control,
                                                                           show.set.cursor.step)
        send(desk, universe(song=11))             # 11-20: song 2
        assert wait_for(lambda: show.set.cursor.step == (1, 0) and show.state.preset == "jazz")
    finally:
        stop()
        show.controls.quit = True
        th.join(20)
    s = out["s"].details
    assert s["dmx"]["triggers"]["go"] == 1 and s["dmx"]["triggers"]["back"] == 1, s["dmx"]
    assert s["set"]["jumps"] == 1


@pytest.mark.slow
def test_osc_and_dmx_last_change_wins_with_soft_takeover(art_bank, drum_song):
    from stupidArtnet import StupidArtnet

    show, th, out = dmx_show(art_bank, drum_song, duration=6.0, dmx=("artnet", 0),
                             dmx_host="127.0.0.1")
    desk = StupidArtnet("127.0.0.1", 0, 512, 44)
    try:
        f = frame(master=65535, intensity=200)
        send(desk, f)
        next_frames(show, published(show, lambda u: u[4] == 200))
        assert show.state.intensity == pytest.approx(199 / 254)
        # the keyboard or OSC sets the intensity: it stays while the desk repeats itself
        show.controls.apply(Command("intensity", 0.2, "osc"), time.perf_counter())
        for _ in range(10):
            send(desk, f)
            time.sleep(0.02)
        assert show.state.intensity == pytest.approx(0.2)
        # the desk fader moves but has not reached 0.2: soft takeover keeps it off
        f[4] = 180
        send(desk, f)
        next_frames(show, published(show, lambda u: u[4] == 180))
        assert show.state.intensity == pytest.approx(0.2)
        f[4] = 40                          # crosses 0.2 (0.15): the fader has it again
        send(desk, f)
        next_frames(show, published(show, lambda u: u[4] == 40))
        assert show.state.intensity == pytest.approx(39 / 254)
    finally:
        th.join(20)


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["blackout", "hold", "release"])
def test_signal_loss_behaves_as_chosen_and_dmx_takes_over_on_return(art_bank, drum_song, loss):
    from stupidArtnet import StupidArtnet

    show, th, out = dmx_show(art_bank, drum_song, duration=7.0, dmx=("artnet", 0),
                             dmx_host="127.0.0.1", dmx_loss=loss, dmx_loss_after=1.0)
    desk = StupidArtnet("127.0.0.1", 0, 512, 44)
    rx = show.dmx.receiver
    try:
        f = frame(master=65535, intensity=100)
        send(desk, f)
        published(show, lambda u: u[0] == 255)
        assert wait_for(lambda: show.dmx.lost_at is not None, timeout=3.0)
        assert show.dmx.lost_at - rx.last_packet >= 1.0     # not before --dmx-loss-after
        assert "DMX lost" in (show.faults.active("dmx") or "")
        # while lost, the operator changes the intensity from the keyboard
        show.controls.apply(Command("intensity", 0.9, "key"), time.perf_counter())
        if loss == "blackout":              # faded to black over FADE
            assert wait_for(lambda: show.state.master == 0.0, timeout=2.5)
        else:
            time.sleep(1.2)
            assert show.state.master == 1.0
        send(desk, f)                        # the desk is back, the same values
        assert wait_for(lambda: show.dmx.lost_at is None, timeout=2.0)
        next_frames(show, show.log.frames)
        assert show.state.master == 1.0
        if loss == "release":               # the keyboard's value stands until the fader moves
            assert show.state.intensity == pytest.approx(0.9)
        else:                                # the desk's look applies again at once
            assert show.state.intensity == pytest.approx(99 / 254)
        assert not show.faults.active("dmx")
    finally:
        th.join(20)


@pytest.mark.slow
def test_ten_thousand_packets_in_a_second_the_show_keeps_drawing_and_the_latest_wins(
        art_bank, drum_song):
    show, th, out = dmx_show(art_bank, drum_song, duration=6.0, dmx=("artnet", 0),
                             dmx_host="127.0.0.1")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        time.sleep(1.5)
        before = show.log.frames
        t0 = time.monotonic()
        time.sleep(1.0)
        rate_before = (show.log.frames - before) / (time.monotonic() - t0)
        before, t0 = show.log.frames, time.monotonic()
        for i in range(10_000):              # 10,000 universes, the master stepping up
            v = 1 + i * 254 // 9_999
            s.sendto(P.artdmx(0, bytes([v, v]) + bytes(10)), ("127.0.0.1", P.ARTNET_PORT))
            if i % 50 == 49:                 # bursts of 50, spread over about a second
                time.sleep(0.004)
        rate_during = (show.log.frames - before) / (time.monotonic() - t0)
        assert wait_for(lambda: show.state.master == 1.0, timeout=2.0)   # 0xFFFF: the latest
        # a loop that handled the packets itself would stall for the flood; the show loses
        # at most half its frames to the receiver's thread (the same bound as OSC's flood)
        assert rate_during >= 0.5 * rate_before, (rate_before, rate_during)
        assert show.dmx.receiver.good >= 9_000    # a few may be lost in the kernel's buffer
    finally:
        th.join(20)
    assert out["s"].details["dmx"]["bad"] == 0


# -- OLA, an implementation nobody here wrote, in a network namespace -----------------------------

OLA_PLUGINS = ("artnet", "dummy", "espnet", "ftdidmx", "gpio", "karate", "kinet", "milinst",
               "opendmx", "opendeck", "openpixelcontrol", "osc", "pathport", "renard", "sandnet",
               "shownet", "spi", "stageprofi", "uartdmx", "usbdmx", "usbpro", "dmx4linux",
               "nanoleaf", "e131", "usbserial")
#: A namespace of its own: a veth pair with addresses, so that OLA finds an interface and
#: its broadcasts and multicasts stay inside (nothing leaves this machine)
NETNS = """ip link set lo up
ip link add va type veth peer name vb
ip addr add 10.77.0.1/24 brd + dev va
ip addr add 10.77.0.2/24 brd + dev vb
ip link set va up; ip link set vb up
ip route add 224.0.0.0/4 dev va
"""


def ola_skip_reason():
    import os
    import shutil
    import subprocess

    if not shutil.which("olad") or not shutil.which("ola_set_dmx"):
        return "OLA is not installed (make test installs the Debian package ola)"
    if os.geteuid() != 0:
        return "a network namespace for OLA needs root (unshare -n)"
    r = subprocess.run(["unshare", "-n", "sh", "-c", NETNS], capture_output=True, text=True)
    return None if r.returncode == 0 else f"no network namespace here: {r.stderr.strip()[:200]}"


def run_with_ola(tmp_path, plugin: str, script: str, timeout: float = 90) -> str:
    """``script`` (sh) in a fresh network namespace where olad runs (as nobody: it
    refuses root) with only ``plugin`` enabled, its first output port patched to OLA
    universe 1; returns what the script printed."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    # olad runs as nobody: its folder must be reachable for it (pytest's are root's only)
    conf = Path(tempfile.mkdtemp(prefix="vj-ola-"))
    for p in OLA_PLUGINS:
        (conf / f"ola-{p}.conf").write_text("enabled = false\n")
    (conf / f"ola-{plugin}.conf").write_text(
        "enabled = true\nip = 10.77.0.1\ninput_ports = 1\noutput_ports = 1\n"
        + ("always_broadcast = true\nuse_limited_broadcast = false\n" if plugin == "artnet"
           else "prepend_hostname = false\n"))
    conf.chmod(0o777)
    for f in conf.iterdir():
        f.chmod(0o666)
    full = NETNS + f"""
setpriv --reuid=65534 --regid=65534 --clear-groups env HOME={conf} \\
    olad -c {conf} --no-http --no-register-with-dns-sd -l 2 > {tmp_path}/olad.log 2>&1 &
OLAD=$!
trap 'kill $OLAD 2>/dev/null' EXIT
for i in $(seq 50); do ola_dev_info >/dev/null 2>&1 && break; sleep 0.1; done
ola_patch -d 1 -p 0 -u 1 || {{ echo "OLA-FAILED"; exit 0; }}
{script}
"""
    try:
        r = subprocess.run(["unshare", "-n", "sh", "-c", full], capture_output=True, text=True,
                           timeout=timeout)
    finally:
        shutil.rmtree(conf, ignore_errors=True)
    if "OLA-FAILED" in r.stdout:
        pytest.skip(f"olad did not start here: {(tmp_path / 'olad.log').read_text()[-300:]}")
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


@pytest.mark.slow
def test_ola_over_sacn_steers_the_show(tmp_path, art_bank, drum_song):
    import json
    import sys

    reason = ola_skip_reason()
    if reason:
        pytest.skip(reason)
    from vj.presets import load_presets

    names = sorted(p.name for p in load_presets(None).values())
    preset = 1 + 10 * names.index("jazz")
    out = tmp_path / "summary.json"
    rest = ",".join(["0"] * 9)
    stdout = run_with_ola(tmp_path, "e131", f"""
{sys.executable} -m vj live --bank {art_bank} --audio-file {drum_song} --headless \\
    --size 160x120 --no-osc --duration 7 --dmx sacn:1 --summary-json {out} &
VJ=$!
sleep 3
ola_set_dmx -u 1 -d 255,255,{preset},{rest}
sleep 1
ola_set_dmx -u 1 -d 128,0,{preset},{rest}
wait $VJ
echo "vj exit $?"
""")
    assert "vj exit 0" in stdout, stdout
    s = json.loads(out.read_text())
    assert s["preset"] == "jazz" and s["state"]["master"] == pytest.approx(0x8000 / 65535)
    d = s["dmx"]
    assert d["good"] >= 2 and d["bad"] == 0 and d["source"] == "sACN universe 1"


@pytest.mark.slow
def test_ola_over_artnet_is_decoded_by_the_monitor(tmp_path):
    import sys

    reason = ola_skip_reason()
    if reason:
        pytest.skip(reason)
    stdout = run_with_ola(tmp_path, "artnet", f"""
{sys.executable} -m vj dmx monitor --dmx artnet:1 --dmx-address 5 --seconds 4 &
MON=$!
sleep 2
ola_set_dmx -u 1 -d 0,0,0,0,18,52,25
wait $MON
""")
    assert "master=4660 preset=25" in stdout, stdout     # 0x1234 at channels 5 and 6
    assert "from 10.77.0.1" in stdout


def test_dmx_options_are_checked_when_the_command_line_is_read(art_bank):
    from tests.conftest import run_vj

    r = run_vj("live", "--bank", art_bank, "--dmx", "dmx512")
    assert r.returncode == 2 and "artnet[:UNIVERSE] or sacn[:UNIVERSE]" in r.stderr
    r = run_vj("live", "--bank", art_bank, "--dmx", "sacn:0")
    assert r.returncode == 2 and "sacn universes are 1-63999" in r.stderr
    r = run_vj("live", "--bank", art_bank, "--headless", "--no-osc", "--dmx", "artnet",
               "--dmx-address", "505", "--duration", "1")
    assert r.returncode != 0 and "mode basic takes 12 channels" in r.stderr
    assert r.stderr.strip().count("\n") <= 2, r.stderr     # one line, not a traceback
