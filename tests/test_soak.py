"""The accelerated soak (issue 43): what a long show repeats (desk messages and bad ones,
DMX frames, web messages, page reconnects, preset and bank switches, cuts, GO and BACK,
faults that come and go, the audio process restarted) fired many times faster than a
show would, with tracemalloc counting what vj's code keeps: the Python heap after N
events may hold what a few of them need, never something per event."""
import asyncio
import json
import os
import signal
import socket
import time
import tracemalloc
import urllib.request

import pytest

from tests.conftest import free_port, show_thread, wait_for

#: Bytes vj's code may keep per event before it counts as growth: a quarter of the
#: smallest record anything could keep of one (a pointer in a list, 8 bytes)
PER_EVENT = 2
#: What a snapshot catches in flight whatever the count: a frame's temporaries on the
#: render, web, OSC and DMX threads (Python objects; 1-20 kB measured here)
IN_FLIGHT = 32 * 1024
ROUNDS = 2000        # measured (22,000 events), after 400 of warm-up


def _vj_growth(before, after) -> tuple[int, list]:
    """Bytes of Python objects that vj's own modules hold more after than before, and
    the top sites (numpy's array data, a domain of its own, is left out: the frames in
    flight between the decoder and the stage are its noise, and arrays are never kept
    per event: they are preallocated, as their own tests show)."""
    import numpy as np

    filt = [tracemalloc.Filter(True, "*/vj/*"),
            tracemalloc.DomainFilter(False, np.lib.tracemalloc_domain)]
    diff = after.filter_traces(filt).compare_to(before.filter_traces(filt), "lineno")
    grown = [d for d in diff if d.size_diff > 0]
    return sum(d.size_diff for d in grown), [str(d) for d in grown[:8]]


class Rig:
    """The peers of one round: a desk (OSC), a lighting desk (Art-Net), a web page and a
    script (HTTP API)."""

    def __init__(self, show, osc: int, web: str):
        from pythonosc.udp_client import SimpleUDPClient

        self.show, self.web = show, web
        self.osc = SimpleUDPClient("127.0.0.1", osc)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.i = 0
        self.events = 0

    def round(self, ws_send) -> None:
        from vj.dmx import packets as P

        i, show = self.i, self.show
        presets = ("techno", "jazz", "house", "classical")
        self.osc.send_message("/vj/preset", presets[i % 4])
        self.osc.send_message("/vj/intensity", (i % 10) / 10)
        self.osc.send_message("/vj/cut", [])
        self.osc.send_message("/vj/master", 7.5 + i)           # a bad one (out of range)
        self.osc.send_message("/vj/go" if i % 2 else "/vj/back", [])
        u = bytearray(512)
        u[0], u[1], u[5] = 255, 255, (i * 7) % 256
        self.udp.sendto(P.artdmx(0, bytes(u)), ("127.0.0.1", P.ARTNET_PORT))
        ws_send(json.dumps({"set": "speed", "value": (i % 7) / 7}))
        ws_send("{not json " + str(i))                          # bad, of one kind
        if i % 5 == 0:
            req = urllib.request.Request(f"{self.web}/api/status",
                                         headers={"X-VJ-Token": "soak"})
            urllib.request.urlopen(req, timeout=10).read()
        if i % 10 == 0:
            self.osc.send_message("/vj/bank", show.library.names()[(i // 10) % 2])
        # a fault that comes and goes (the same part, new words each time)
        show.faults.report("test", f"flaky part, attempt {i}")
        show.faults.clear("test", f"flaky part works again ({i})")
        self.i += 1
        self.events += 11


@pytest.mark.slow
def test_a_long_show_s_events_fired_fast_keep_nothing_each(art_bank, latent_banks, drum_song,
                                                           tmp_path, monkeypatch):
    import aiohttp

    from vj.live.show import ShowConfig
    from vj.show.file import read_show
    from vj.show.setlist import SetList

    monkeypatch.setenv("VJ_STATE", str(tmp_path / "state"))
    f = tmp_path / "set.toml"
    f.write_text("".join(f'[[song]]\nname = "s{i}"\nbank = "{art_bank}"\n[[song.cue]]\n'
                         f'name = "c{i}"\nlevels = {{ intensity = 0.{i} }}\n' for i in range(3)))
    setlist = SetList(read_show(f)[0], tmp_path)
    osc, webp = free_port(), free_port()
    cfg = ShowConfig(banks=[str(art_bank), str(latent_banks[0])], audio_file=str(drum_song),
                     loop_audio=True, headless=True, size=(96, 64), osc_host="127.0.0.1",
                     osc_port=osc, preset="techno", duration=600.0, web=("127.0.0.1", webp),
                     web_token="soak", dmx=("artnet", 0), dmx_host="127.0.0.1",
                     show_file=str(f), setlist=setlist)
    show, th, out = show_thread(cfg)
    rig = Rig(show, osc, f"http://127.0.0.1:{webp}")
    restarts = []

    async def rounds(n: int):
        async with aiohttp.ClientSession() as s:
            for k in range(n // 20):             # the page reconnects every 20 rounds
                ws = await s.ws_connect(f"http://127.0.0.1:{webp}/ws?t=soak")
                for _ in range(20):
                    sent = []
                    rig.round(sent.append)
                    for m in sent:
                        await ws.send_str(m)
                    await asyncio.sleep(0.004)
                    while True:                  # read what the show pushed
                        try:
                            await asyncio.wait_for(ws.receive(), 0.0005)
                        except asyncio.TimeoutError:
                            break
                await ws.close()
                if k % 10 == 9:                  # the audio process dies now and then
                    pid = show.audio.pid
                    if pid:
                        os.kill(pid, signal.SIGKILL)
                        restarts.append(pid)

    try:
        assert wait_for(lambda: show.log.frames > 10, 30)
        asyncio.run(rounds(200))                 # warm-up: every path taken once
        tracemalloc.start(1)
        try:
            asyncio.run(rounds(200))
            before = tracemalloc.take_snapshot()
            ev0 = rig.events
            asyncio.run(rounds(ROUNDS))
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
        events = rig.events - ev0
        grown, top = _vj_growth(before, after)
        assert show.log.frames > 0 and th.is_alive()
    finally:
        show.controls.quit = True
        th.join(30)
    s = out["s"].details
    assert s["osc"]["bad"] >= 1000 and s["web"]["bad"] >= 1000 and s["dmx"]["good"] >= 1000, s
    assert s["audio"]["restarts"] >= 3 and s["set"]["go"] >= 500
    # what vj keeps after `events` more events: at most PER_EVENT bytes each, beside what a
    # snapshot catches in flight
    assert grown < IN_FLIGHT + PER_EVENT * events, (grown, events, top)
    print(f"\n{events} events: vj's heap {grown / 1024:+.1f} kB; top: {top[:3]}")


def test_the_c_allocator_is_tuned_for_a_long_show():
    """glibc takes the fixed mmap and trim thresholds, and a trim runs; elsewhere there
    is nothing to tune (vj.runtime.memory)."""
    import platform

    from vj.runtime.memory import start_trimmer, trim, tune_allocator

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("the allocator tuning is glibc's (Linux)")
    assert tune_allocator() is True
    big = [bytearray(300_000) for _ in range(50)]       # mapped whole: above the threshold
    del big
    assert isinstance(trim(), bool)
    stop = start_trimmer(every=0.01)
    assert stop is not None
    time.sleep(0.05)
    stop.set()
