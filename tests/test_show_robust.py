"""A show that cannot stop (issue 11): faults injected into every part, decoding
decoupled from the display, the limits of the OSC server, trails, shader reloads."""
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.conftest import Desk, audio_processes, free_port, one_line_error, run_vj, show_thread


def start_vj(*args, env=None):
    return subprocess.Popen([sys.executable, "-m", "vj", *map(str, args)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})


def run_show(tmp_path, *args, env=None, schedule=(), timeout=180) -> dict:
    """``vj live ARGS`` in a subprocess, a desk sending ``schedule`` (seconds after the
    start, address, value); returns the summary it wrote as JSON."""
    out = tmp_path / "summary.json"
    p = start_vj("live", *args, "--summary-json", out, env=env)
    desk_at(int(args[list(args).index("--osc-port") + 1]) if "--osc-port" in args else 0,
            time.perf_counter(), schedule)
    _, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, err
    return json.loads(out.read_text())


def desk_at(port: int, t0: float, schedule):
    """Send ``(seconds after t0, address, value)`` messages from this process."""
    from pythonosc.udp_client import SimpleUDPClient

    c = SimpleUDPClient("127.0.0.1", port)
    for at, address, value in schedule:
        delay = t0 + at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        c.send_message(address, [] if value is None else value)


# -- chaos: an exception in every part --------------------------------------------------------

@pytest.mark.slow
def test_an_exception_in_every_part_is_a_fault_and_the_show_goes_on(drum_song, art_bank,
                                                                     latent_bank, tmp_path):
    port = free_port()
    plan = ("input@1.5,analysis@2,osc@2.5,autogenre@2,loader@3,decode@4,uniform@3,hud@3.5,"
            "engine@6")
    # the first packet after 2.5 s meets the OSC fault; the first bank folder to load
    # meets the loader's, and the second try loads it
    s = run_show(tmp_path, "--bank", art_bank, "--bank-dir", latent_bank.parent,
                 "--audio-file", drum_song, "--headless", "--duration", 9, "--size", "160x120",
                 "--hud", "--auto", "--osc-host", "127.0.0.1", "--osc-port", port,
                 env={"VJ_CHAOS": plan}, schedule=[(4.5, "/vj/status", None),
                                                   (5.0, "/vj/bank", str(latent_bank)),
                                                   (6.0, "/vj/bank", str(latent_bank))])
    faults = "; ".join(s["fault_list"])
    for part in (item.split("@")[0] for item in plan.split(",")):
        if part == "engine":    # the show kills its audio process, and starts another
            assert "engine: the audio process was killed; starting another" in faults, faults
        else:
            assert f"injected fault ({part})" in faults, (part, faults)
    print(f"\n{s['frames']} frames in {s['seconds']:.2f} s; faults: {faults}")
    # it ran to --duration: the last frame began before it, and the loop ended at the
    # first frame that would have begun after it (how long that frame took is the
    # machine's, so no bound on the end's distance from 9 s)
    assert s["last_frame_s"] < 9.0 <= s["seconds"], (s["last_frame_s"], s["seconds"])
    assert s["audio"]["restarts"] == 1 and s["audio"]["hops"] > 0


# -- decoupled: decoding and switching never hold the display --------------------------------

#: Every decode takes this much longer (VJ_DECODE_DELAY): a decoder slower than a frame
#: on any machine.
DECODE_DELAY = 0.08


@pytest.mark.slow
def test_switching_banks_and_presets_every_two_seconds_never_waits_on_the_decoder(
        drum_song, latent_banks, tmp_path):
    """Two tiny-model banks with the onnx decoder, each decode made 80 ms slower; the
    desk switches bank and preset every 2 s."""
    port = free_port()
    a, b = latent_banks
    schedule = []
    for i in range(6):
        schedule.append((1.5 + 2 * i, "/vj/bank", (b.name, a.name)[i % 2]))
        schedule.append((1.5 + 2 * i, "/vj/preset", ("classical", "techno")[i % 2]))
    s = run_show(tmp_path, "--bank", a, "--bank", b, "--audio-file", drum_song, "--loop",
                 "--headless", "--duration", 14, "--size", "640x360", "--decoder", "onnx",
                 "--osc-host", "127.0.0.1", "--osc-port", port, schedule=schedule,
                 env={"VJ_DECODE_DELAY": str(DECODE_DELAY)})
    print(f"\nframe ms {s['frame_ms']}; decode median {s['decode_ms_median']:.1f} ms, "
          f"{s['decode_fps']:.1f} fps")
    assert s["decoder"] == "onnx" and s["osc"]["bad"] == 0, s["osc"]
    assert s["decode_ms_median"] >= DECODE_DELAY * 1000
    # a loop that waited on its decodes would spend at least a decode's time (over 80
    # ms) on most frames; this one must not on 99 % of them, nor half of it on any
    # frame but a few (a bank switch's first upload, the machine's own stalls)
    assert s["frame_ms"]["p99"] < DECODE_DELAY * 1000, s["frame_ms"]
    assert (s["bank"], s["preset"]) == (a.name, "techno")    # the last switches landed


# -- a real audio server ----------------------------------------------------------------------

#: Energy in /vj/status (the highest of the last half second) that says audio is
#: analysed: a drum hit makes 0.3 to 1; without audio the energy decays to stillness
#: (below 1e-4 within 1.5 s).
FLOWING = 0.02


@pytest.mark.slow
def test_the_audio_server_restarted_under_the_show(pulse, drum_song, art_bank, tmp_path):
    """Kill the sound server mid-show and start it again: the fault shows while it is
    gone, the energy is back within 5 s of its return, and the show leaves on time."""
    port = free_port()
    out = tmp_path / "s.json"
    pulse.play(drum_song)
    p = subprocess.Popen([sys.executable, "-m", "vj", "live", "--bank", str(art_bank),
                          "--input-device", "pulse", "--headless", "--duration", "20",
                          "--size", "160x120", "--osc-host", "127.0.0.1",
                          "--osc-port", str(port), "--summary-json", str(out)], env=pulse.env,
                         text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    desk = Desk(port)
    log, t0, killed, back = [], time.perf_counter(), None, None
    while p.poll() is None and time.perf_counter() - t0 < 60:
        now = time.perf_counter() - t0
        if killed is None and any(e > FLOWING for _, e, _ in log) and now > 6:
            pulse.kill()
            killed = now
        elif killed is not None and back is None and now > killed + 3:
            pulse.start()
            pulse.play(drum_song)
            back = time.perf_counter() - t0
        st = desk.status()
        if st is not None:
            log.append((time.perf_counter() - t0, st[2], st[6]))
        time.sleep(0.2)
    stdout, err = p.communicate(timeout=30)
    exited = time.time()
    assert p.returncode == 0, err
    assert killed is not None, f"no energy from the pulse input before the kill: {log}, {err}"
    assert back is not None, (log, err)
    # the input counts as lost 0.5 s after its last callback; what the sound server
    # had buffered still plays for a moment after it died
    gone = [f for t, _, f in log if killed + 2.0 < t < back]
    assert gone and all(("lost" in f or "no audio" in f) for f in gone), gone
    again = [t for t, e, f in log if t > back and e > FLOWING]
    assert again and again[0] - back <= 5.0, (back, log)
    # --duration ends the loop; then every part stops (the audio process is killed if
    # it has not left within 0.5 s) and the interpreter exits
    ended = json.loads(out.read_text())["ended_at"]
    assert exited - ended < 2.0, exited - ended
    print(f"\nserver killed at {killed:.1f} s, back at {back:.1f} s, energy again at "
          f"{again[0]:.1f} s; exit {exited - ended:.2f} s after the loop ended")


@pytest.mark.slow
def test_the_audio_process_killed_under_the_show(drum_song, art_bank, tmp_path):
    """kill -9 of the audio process mid-show: the fault shows, a new process plays the
    song on from where the show is, and the energy flows again within 3 s."""
    port = free_port()
    p = start_vj("live", "--bank", art_bank, "--audio-file", drum_song, "--loop", "--headless",
                 "--duration", 10, "--size", "160x120", "--osc-host", "127.0.0.1",
                 "--osc-port", port)
    desk = Desk(port)
    log, t0, killed = [], time.perf_counter(), None
    while p.poll() is None and time.perf_counter() - t0 < 60:
        now = time.perf_counter() - t0
        if killed is None and sum(e > FLOWING for _, e, _ in log) >= 3:
            # the running one, not its spare
            child = next(c for c, spare in audio_processes(p.pid) if not spare)
            child.kill()
            killed = now
        st = desk.status()
        if st is not None:
            log.append((time.perf_counter() - t0, st[2], st[6]))
        time.sleep(0.1)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert killed is not None, log
    shown = [t for t, _, f in log if t > killed and "audio process stopped" in f]
    assert shown, log
    # the process is started again at once (imports: about 0.5 s here) and the song
    # played on from the show's clock; the status is refreshed twice a second
    again = [t for t, e, f in log if t > shown[0] and e > FLOWING and not f]
    assert again and again[0] - killed <= 3.0, (killed, log)
    print(f"\naudio process killed at {killed:.1f} s, energy again {again[0] - killed:.2f} s later")


# -- OSC ---------------------------------------------------------------------------------------

_CHANNEL_PROBE = """
import os, sys, time, numpy as np
from vj.engine.capture import DeviceInput
inp = DeviceInput("pulse", pick=[int(sys.argv[1])])
buf = np.zeros((1024, inp.ring.channels), np.float32)
sq = n = 0
t0 = time.time()
while time.time() - t0 < 3.0:
    if inp.ring.read(buf):
        if time.time() - t0 > 1.0:          # past the stream's start
            sq, n = sq + float(np.sum(buf ** 2)), n + buf.size
    else:
        time.sleep(0.005)
print(inp.channels, (sq / max(n, 1)) ** 0.5, flush=True)
os._exit(0)                                  # as the audio process leaves: no PortAudio teardown
"""


@pytest.mark.slow
def test_input_channels_pick_one_side_of_a_stereo_input(pulse, write_audio, art_bank):
    """--input-channels: a tone on the left only is heard on channel 1, not on 2."""
    t = np.arange(22050 * 8) / 22050
    left = 0.5 * np.sin(2 * np.pi * 440 * t)
    song = write_audio("left.wav", np.stack([left, np.zeros_like(left)], axis=1), 22050)
    rms = {}
    for ch in (0, 1):
        pulse.play(song)
        r = subprocess.run([sys.executable, "-c", _CHANNEL_PROBE, str(ch)], env=pulse.env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        n, level = r.stdout.split()
        rms[ch] = float(level)
        assert int(n) == 1
    assert rms[0] > 0.05 and rms[1] < 0.01 * rms[0], rms
    # a channel the device does not have: one line before the show starts
    res = subprocess.run([sys.executable, "-m", "vj", "live", "--bank", str(art_bank),
                          "--no-osc", "--input-device",
                          "pulse", "--input-channels", "99", "--headless", "--duration", "1"],
                         env=pulse.env, capture_output=True, text=True, timeout=60)
    assert "input channels" in one_line_error(res)


def test_a_second_show_on_a_busy_port_exits_with_one_line(art_bank, drum_song):
    port = free_port()
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    busy.bind(("127.0.0.1", port))
    try:
        res = run_vj("live", "--bank", art_bank, "--audio-file", drum_song, "--headless",
                     "--duration", 2, "--osc-host", "127.0.0.1", "--osc-port", port)
    finally:
        busy.close()
    line = one_line_error(res)
    assert str(port) in line and "--osc-port" in line, line


@pytest.mark.slow
def test_bank_folders_only_from_allowed_hosts_and_bank_dirs(drum_song, latent_banks, art_bank):
    from pythonosc.udp_client import SimpleUDPClient

    from vj.live.show import ShowConfig

    a, b = latent_banks
    port = free_port()
    cfg = ShowConfig(banks=[str(art_bank)], audio_file=str(drum_song), headless=True,
                     size=(64, 48), osc_host="127.0.0.1", osc_port=port, duration=5.0,
                     osc_allow=["127.0.0.1"], bank_dirs=[str(a.parent)])
    show, th, out = show_thread(cfg)
    c = SimpleUDPClient("127.0.0.1", port)
    c.send_message("/vj/bank", "/")                    # not under a --bank-dir root
    c.send_message("/vj/bank", str(a.parent / "nope"))  # under it, but no such folder
    time.sleep(0.5)
    assert show.osc.stats.bad == 2
    c.send_message("/vj/bank", str(b))                 # a bank folder under the root
    th.join()
    s = out["s"]
    assert show.state.bank == "lb-b", s.text()
    assert s.osc_errors == 2
    # a host that is not allowed: counted as bad, nothing starts
    cfg.osc_allow, cfg.duration, cfg.osc_port = ["192.0.2.1"], 2.0, free_port()
    show, th, out = show_thread(cfg)
    c = SimpleUDPClient("127.0.0.1", cfg.osc_port)
    c.send_message("/vj/bank", "/")
    c.send_message("/vj/bank", str(b))
    th.join()
    assert show.osc.stats.bad == 2 and show.osc.stats.good == 0
    assert list(show.library.names()) == ["art"] and show.state.bank == "art"


FLOOD = """
import sys, time
from pythonosc.udp_client import SimpleUDPClient
c = SimpleUDPClient("127.0.0.1", int(sys.argv[1]))
t0 = time.perf_counter()
for i in range(10000):
    if i % 50 == 0:                 # bursts of 50 every 5 ms: 10,000 a second, and the
        due = t0 + i / 10000        # sender sleeps between them instead of taking a core
        time.sleep(max(0.0, due - time.perf_counter()))
    if i % 100 == 99:
        c.send_message("/vj/cut", [])
    elif i % 2:
        c.send_message("/vj/intensity", (i % 97) / 96)
    else:
        c.send_message("/vj/fx/trail", (i % 89) / 88)
print(time.perf_counter() - t0)
"""


@pytest.mark.slow
def test_ten_thousand_commands_in_a_second_keep_the_frame_rate(drum_song, art_bank, tmp_path):
    from vj.live.show import ShowConfig

    port = free_port()
    cfg = ShowConfig(banks=[str(art_bank)], audio_file=str(drum_song), headless=True,
                     size=(160, 120), osc_host="127.0.0.1", osc_port=port, duration=4.5,
                     preset="techno")
    show, th, out = show_thread(cfg)
    time.sleep(1.5)
    script = tmp_path / "flood.py"
    script.write_text(FLOOD)
    start = time.perf_counter() - show.t0
    sent = subprocess.run([sys.executable, str(script), str(port)], capture_output=True,
                          text=True, timeout=30)
    end = time.perf_counter() - show.t0
    th.join()
    s = out["s"]
    took = float(sent.stdout)
    print(f"\n10,000 messages sent in {took:.2f} s; {s.text()}")
    assert s.osc_packets >= 9900 and s.osc_errors == 0, s.text()
    assert show.state.intensity == pytest.approx((9997 % 97) / 96)  # the last value won
    # frames per second while the desk floods, against the second before: a loop that
    # handled the packets itself, or waited for the queue, would draw a few frames in
    # all; here only the OSC thread's parsing competes with the loop (the sender sleeps
    # between its bursts: a sender that busy-waited took one of this machine's two cores,
    # and beside stress-ng the show then drew 29.5 fps against 60 for that reason alone)
    wall = np.array(show.log.wall)
    before = np.count_nonzero((wall > start - 1.0) & (wall <= start))
    during = np.count_nonzero((wall > start) & (wall <= end)) / (end - start)
    assert during >= 0.5 * before, (during, before)


HOSTILE = """
import math, random, socket, struct, sys
from pythonosc.osc_message_builder import OscMessageBuilder
def msg(address, *args):
    b = OscMessageBuilder(address)
    for a in args:
        b.add_arg(a)
    return b.build().dgram
rng = random.Random(7)
kinds = [lambda: bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))),  # garbage
         lambda: b"/vj/intensity\\x00\\x00\\x00,f\\x00\\x00",                   # cut short
         lambda: msg("/vj/nothing/here", 1.0),                                 # unknown
         lambda: msg("/vj/intensity", "loud"),                                 # wrong type
         lambda: msg("/vj/master", float("nan")),                              # NaN
         lambda: msg("/vj/preset", "no-such-preset"),                          # unknown name
         lambda: msg("/vj/speed", 7.5)]                                        # out of range
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(10000):
    s.sendto(kinds[i % len(kinds)](), ("127.0.0.1", int(sys.argv[1])))
"""


@pytest.mark.slow
def test_a_packet_storm_on_a_slow_show_and_then_a_preset_that_is_applied(art_bank, drum_song,
                                                                        tmp_path):
    """10,000 hostile packets at a show whose renderer cannot keep up, then a
    legitimate /vj/preset: applied within 1 s, and /vj/status still answers."""
    port = free_port()
    out = tmp_path / "s.json"
    p = start_vj("live", "--bank", art_bank, "--audio-file", drum_song, "--loop",
                 "--headless", "--size", "3840x2160", "--render-scale", "1",
                 "--duration", 14, "--preset", "techno", "--osc-host", "127.0.0.1",
                 "--osc-port", port, "--summary-json", out)
    desk = Desk(port)
    t0 = time.perf_counter()
    while desk.status() is None:
        assert time.perf_counter() - t0 < 60 and p.poll() is None, p.stderr.read()
        time.sleep(0.1)
    time.sleep(3.0)
    script = tmp_path / "hostile.py"
    script.write_text(HOSTILE)
    subprocess.run([sys.executable, str(script), str(port)], check=True, timeout=60)
    sent = time.perf_counter()
    desk.send("/vj/preset", "classical")
    applied = None
    while time.perf_counter() - sent < 5.0:
        st = desk.status()
        if st is not None and st[1] == "classical":
            applied = time.perf_counter() - sent
            break
        time.sleep(0.05)
    answers = sum(desk.status() is not None for _ in range(5))
    p.communicate(timeout=120)
    assert p.returncode == 0
    s = json.loads(out.read_text())
    # a precondition of the set-up, not a bound: the storm is judged on a show too slow
    # for its display (tests/test_osc.py sends the same 10,000 packets to the OSC server
    # alone, and the flood test above sends commands to a show that keeps up)
    if s["fps"] >= 30:
        pytest.skip(f"this renderer draws 3840x2160 at {s['fps']:.0f} fps: not a slow show")
    print(f"\npreset applied {applied} s after 10,000 hostile packets; {s['fps']:.1f} fps; "
          f"OSC {s['osc']}")
    # the status is refreshed twice a second and the preset applied at the next frame
    # (under 0.1 s here): a server starved by the render loop would not answer at all
    assert applied is not None and applied <= 1.0, applied
    assert answers >= 4
    assert s["osc"]["bad"] == 10000, s["osc"]


def test_levels_are_coalesced_and_other_commands_bounded():
    from vj.control.osc import MAX_DISCRETE, CommandBuffer
    from vj.control.state import Command

    buf = CommandBuffer()
    for i in range(1000):
        buf.put(Command("intensity", i / 1000))
        buf.put(Command("fx", ("trail", i / 2000)))
        buf.put(Command("cut"))
    buf.put(Command("preset", "techno"))
    got = buf.drain()
    levels = [c for c in got if c.action != "cut"]
    assert [(c.action, c.value) for c in levels] == [
        ("intensity", 0.999), ("fx", ("trail", 0.4995)), ("preset", "techno")]
    assert sum(c.action == "cut" for c in got) == MAX_DISCRETE
    assert buf.dropped == 1000 - MAX_DISCRETE
    assert buf.drain() == []


def test_feedback_to_the_desk_is_rate_limited_and_ends_on_the_last_value():
    from pythonosc.osc_message import OscMessage
    from pythonosc.udp_client import SimpleUDPClient

    from vj.control.osc import FEEDBACK_INTERVAL, OscServer

    fb = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fb.bind(("127.0.0.1", 0))
    fb.settimeout(0.3)
    with OscServer(host="127.0.0.1", port=0, feedback=fb.getsockname()) as server:
        c = SimpleUDPClient("127.0.0.1", server.address[1])
        t0 = time.perf_counter()
        for i in range(500):
            c.send_message("/vj/master", i / 499)
            time.sleep(0.0005)
        took = time.perf_counter() - t0
        got = []
        try:
            while True:
                got.append(OscMessage(fb.recvfrom(4096)[0]).params[0])
        except socket.timeout:
            pass
    fb.close()
    assert 1 <= len(got) <= took / FEEDBACK_INTERVAL + 3, (len(got), took)
    assert got[-1] == pytest.approx(1.0)


# -- trails ------------------------------------------------------------------------------------

def _trail_run(ctx, hz: float, seconds: float, trail: float):
    """A white frame, then black frames for ``seconds`` at ``hz`` with the trail on."""
    from vj.render.fx import FxSettings, Uniforms, compute
    from vj.render.renderer import Renderer

    r = Renderer(ctx, (8, 8), (8, 8))
    u = Uniforms()
    r.upload(np.full((8, 8, 3), 255, np.uint8))
    r.frame(u)
    r.upload(np.zeros((8, 8, 3), np.uint8))
    fx = FxSettings(trail=trail)
    for _ in range(int(round(seconds * hz))):
        compute(u, fx, time=0.0, onset=0.0, energy=1.0, intensity=0.5, master=1.0,
                blackout=False, crossfade=0.0, dt=1.0 / hz)
        r.frame(u)
    return r, u


@pytest.mark.slow
def test_trails_decay_by_time_to_black_whatever_the_refresh_rate():
    from vj.render.fx import FxSettings, compute
    from vj.render.targets import headless_context

    ctx = headless_context()
    for seconds in (0.25, 0.5, 1.0):
        a = _trail_run(ctx, 60.0, seconds, 1.0)[0].read().astype(float).mean()
        b = _trail_run(ctx, 144.0, seconds, 1.0)[0].read().astype(float).mean()
        expected = 255 * 0.97 ** (seconds * 60)
        # the same decay at both rates; half floats round each step (about 1% over a second)
        assert abs(a - b) <= 2, (seconds, a, b)
        assert abs(a - expected) <= 3 and abs(b - expected) <= 3, (seconds, a, b, expected)
    # Plain 8-bit feedback sticks where value * 0.97 rounds back to value: at 16 levels
    # and below.  The dithered feedback keeps the mean right, E = 255 * 0.97 ** frames
    # (0.17 levels after 4 s), and as every value is a whole level, the share of values
    # not yet black is at most that mean (Markov): after 12 s, 8e-8 each, so all 192 of
    # this picture are black but with a chance of about 1 in 65,000.
    r, u = _trail_run(ctx, 60.0, 4.0, 1.0)
    assert r.read().astype(float).mean() < 1.0
    r, u = _trail_run(ctx, 60.0, 12.0, 1.0)
    assert r.read().max() == 0
    # the trail turned off: back to the plain frame within 1/255 in 2 s
    r, u = _trail_run(ctx, 60.0, 0.1, 1.0)
    for _ in range(120):
        compute(u, FxSettings(trail=0.0), time=0.0, onset=0.0, energy=1.0, intensity=0.5,
                master=1.0, blackout=False, crossfade=0.0, dt=1 / 60)
        r.frame(u)
    assert r.read().max() <= 1


# -- shaders -----------------------------------------------------------------------------------

