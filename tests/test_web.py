"""The web remote (vj.web): its protocol, and a show steered and watched from a real
browser (Debian's Chromium driven by Playwright) and real WebSocket clients."""
import asyncio
import json
import shutil
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import Desk, free_port, show_thread, wait_for
from vj.web.protocol import MAX_MESSAGE, Refused, parse

TOKEN = "test-token-0123"


# -- the protocol -----------------------------------------------------------------------------------

def test_messages_become_levels_and_commands_and_anything_else_is_refused():
    names = {"preset": ["techno", "jazz"], "bank": ["art"]}
    assert parse('{"set": "fx/trail", "value": 0.25}', names) == ("level", "fx/trail", 0.25)
    kind, cmd = parse('{"preset": "jazz"}', names)
    assert kind == "command" and (cmd.action, cmd.value, cmd.source) == ("preset", "jazz", "web")
    assert parse('{"do": "cut"}', names)[1].action == "cut"
    assert parse('{"blackout": true}', names)[1].value is True
    assert parse('{"preview": false}', names) == ("preview", False)
    for bad in ('{"set": "master", "value": 1.5}', '{"set": "master", "value": NaN}',
                '{"set": "volume", "value": 0.5}', '{"preset": "polka"}', '{"do": "explode"}',
                '{"blackout": 1}', "[1, 2]", "not json", '{"a": 1, "b": 2, "c": 3}',
                "x" * (MAX_MESSAGE + 1)):
        with pytest.raises(Refused):
            parse(bad, names)


# -- a show with its web remote ---------------------------------------------------------------------


def web_show(art_bank, drum_song, duration=40.0, osc_port=None):
    """A show with its web remote; the tests end it (``show.controls.quit``) when done:
    the duration is only a backstop."""
    from vj.live.show import ShowConfig

    port = free_port()
    cfg = ShowConfig(banks=[str(art_bank)], audio_file=str(drum_song), headless=True,
                     size=(320, 180), osc=osc_port is not None, osc_host="127.0.0.1",
                     osc_port=osc_port or 7000, preset="techno", duration=duration,
                     web=("127.0.0.1", port), web_token=TOKEN, loop_audio=True)
    show, th, out = show_thread(cfg, probe=True)
    return show, th, out, f"http://127.0.0.1:{port}"



def chromium(p):
    """Debian's Chromium through Playwright (no browser download), or skip with why."""
    exe = shutil.which("chromium")
    if not exe:
        pytest.skip("Chromium is not installed (make test installs the Debian package chromium)")
    try:
        return p.chromium.launch(executable_path=exe, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
    except Exception as e:
        pytest.skip(f"Chromium cannot start here: {str(e)[:200]}")


def test_the_address_the_token_and_the_origin_decide_who_may_pass():
    from vj.web.access import refusal

    tok, host = "s3cret", "10.0.0.5:8080"

    def why(peer="10.0.0.9", query=None, headers=None, **kw):
        return refusal(peer, query or {}, headers or {}, host, token=tok, **kw)

    assert why(query={"t": tok}) is None
    assert why(headers={"X-VJ-Token": tok}) is None
    assert why(headers={"Authorization": f"Bearer {tok}"}) is None
    assert why() == "token needed"
    assert why(query={"t": "s3cre"}) == "token needed"
    # a Bearer header is what the client meant, even beside a right ?t=
    assert why(query={"t": tok}, headers={"Authorization": "Bearer nope"}) == "token needed"
    assert why(query={"t": tok}, allow={"10.0.0.7"}) == "address not allowed"
    assert why(query={"t": tok}, allow={"10.0.0.9"}) is None
    ok = {"Origin": f"http://{host}"}
    assert why(query={"t": tok}, headers=ok, origin=True) is None
    assert why(query={"t": tok}, headers={"Origin": "http://evil.example"},
               origin=True) == "another origin"
    # scripts send no Origin; a page elsewhere always does
    assert why(query={"t": tok}, origin=True) is None


def drag(page, selector, to: float):
    """Move a range input's thumb with the mouse, as a finger would: from where it is
    to ``to`` (0..1), in steps (each an input event)."""
    # in the middle of the screen: at its top the page's sticky header would take the mouse
    page.locator(selector).evaluate("e => e.scrollIntoView({block: 'center'})")
    box = page.locator(selector).bounding_box()
    now = float(page.locator(selector).input_value())
    y = box["y"] + box["height"] / 2
    x0, x1 = box["x"] + 8 + now * (box["width"] - 16), box["x"] + 8 + to * (box["width"] - 16)
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(x1, y, steps=12)
    page.mouse.up()


def brightness_after(show, n: int):
    """The mean brightness of the frames begun after frame ``n``."""
    return show.log.brightness.values()[n + 1:]


@pytest.mark.slow
def test_the_page_steers_and_watches_the_show(art_bank, drum_song, tmp_path):
    from PIL import Image
    from playwright.sync_api import sync_playwright

    osc = free_port()
    show, th, out, url = web_show(art_bank, drum_song, osc_port=osc)
    try:
        with sync_playwright() as p:
            browser = chromium(p)
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{url}/?t={TOKEN}")
            page.wait_for_selector("#presets .tile.on", timeout=10_000)
            assert page.locator("#presets .tile.on").inner_text().lower() == "techno"
            page.wait_for_selector("#link.on")
            # the master fader, dragged down: the show's picture goes dark (the frames
            # begun before the drag were lit)
            assert wait_for(lambda: show.log.frames >= 3)
            n = show.log.frames - 3
            drag(page, "#faders input[data-target=master]", 0.0)
            assert wait_for(lambda: show.state.master < 0.02, timeout=3.0), show.state.master
            k = show.log.frames
            assert wait_for(lambda: show.log.frames >= k + 3)
            assert max(brightness_after(show, k)) < 2.0 < max(brightness_after(show, n)[:2])
            dark = Image.open(_shot(page, tmp_path / "dark.png")).convert("L")
            drag(page, "#faders input[data-target=master]", 1.0)
            assert wait_for(lambda: show.state.master > 0.98, timeout=3.0), (
                show.state.master, page.locator("#faders input[data-target=master]").input_value(),
                vars(show.web.stats))
            # the preview follows the picture (a few frames a second; on a loaded machine
            # the JPEG may come later, so the page is looked at until it does)
            def lit_preview():
                lit = Image.open(_shot(page, tmp_path / "lit.png")).convert("L")
                return _mean(lit) > _mean(dark) + 10

            assert wait_for(lit_preview, timeout=10.0, step=0.25), _mean(dark)
            # a preset tile
            page.locator("#presets .tile", has_text="jazz").click()
            assert wait_for(lambda: show.state.preset == "jazz")
            page.wait_for_selector("#presets .tile.on:has-text('jazz')", timeout=3_000)
            # a value changed by the desk shows on the page's fader, and a fault as it
            # comes and goes.  The server pushes a change within 0.1 s and the whole
            # state every second; 3 s leaves a loaded machine's browser room (CI froze
            # a show for 2 s once).  How soon is a benchmark's question, not this one's.
            desk = Desk(osc)
            desk.send("/vj/intensity", 0.3)
            page.wait_for_function(
                "Math.abs(document.querySelector('#faders input[data-target=intensity]')"
                ".value - 0.3) < 0.002", timeout=3_000)
            show.faults.report("test", "injected fault for the web page")
            page.wait_for_selector("#faults:has-text('injected fault for the web page')",
                                   timeout=3_000)
            show.faults.clear("test", "cleared")
            page.wait_for_selector("#faults", state="hidden", timeout=3_000)
            # blackout is guarded: a click does nothing, a hold switches it
            page.locator("#blackout").click()
            time.sleep(0.3)
            assert not show.state.blackout
            page.locator("#blackout").evaluate("e => e.scrollIntoView({block: 'center'})")
            box = page.locator("#blackout").bounding_box()
            page.mouse.move(box["x"] + 10, box["y"] + 10)
            page.mouse.down()
            time.sleep(0.9)
            page.mouse.up()
            assert wait_for(lambda: show.state.blackout)
            browser.close()
    finally:
        show.controls.quit = True
        th.join(30)
    w = out["s"].details["web"]
    assert w["refused"] == 0 and w["bad"] == 0 and w["applied"] >= 3


def _shot(page, path):
    page.locator(".preview").screenshot(path=str(path))
    return path


def _mean(im) -> float:
    import numpy as np

    return float(np.asarray(im, float).mean())


@pytest.mark.slow
def test_without_the_token_or_from_another_origin_nothing_changes(art_bank, drum_song):
    import aiohttp

    show, th, out, url = web_show(art_bank, drum_song)
    try:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{url}/")
        assert e.value.code == 401 and b"token needed" in e.value.read()
        req = urllib.request.Request(f"{url}/api/command", method="POST",
                                     data=json.dumps({"preset": "jazz"}).encode(),
                                     headers={"X-VJ-Token": "wrong"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req)
        assert e.value.code == 401

        async def attempts():
            async with aiohttp.ClientSession() as s:
                for hdrs, q in (({}, "t=wrong"), ({"Origin": "http://evil.example"}, f"t={TOKEN}")):
                    with pytest.raises(aiohttp.WSServerHandshakeError) as e:
                        await s.ws_connect(f"{url}/ws?{q}", headers=hdrs)
                    assert e.value.status in (401, 403)
                # the page's own origin is accepted
                ws = await s.ws_connect(f"{url}/ws?t={TOKEN}",
                                        headers={"Origin": url})
                assert json.loads((await ws.receive()).data)["type"] == "hello"
                await ws.close()

        asyncio.run(attempts())
        time.sleep(0.3)
        assert show.state.preset == "techno"
    finally:
        show.controls.quit = True
        th.join(20)
    w = out["s"].details["web"]
    assert w["refused"] == 4 and w["accepted"] == 0


#: The clients of the flood test, in a process of their own (their work must not take
#: the show's interpreter lock): a flood, garbage, an oversized frame, and a good client.
FLOOD_CLIENTS = """
import asyncio, json, sys, time
import aiohttp
url, token, big = sys.argv[1], sys.argv[2], int(sys.argv[3])
async def main():
    async with aiohttp.ClientSession() as s:
        good = await s.ws_connect(f"{url}/ws?t={token}")
        flood = await s.ws_connect(f"{url}/ws?t={token}")
        junk = await s.ws_connect(f"{url}/ws?t={token}")
        print("start", time.monotonic(), flush=True)
        for i in range(10_000):          # 10,000 messages in about a second
            if flood.closed:
                break
            await flood.send_str(json.dumps({"set": "speed", "value": (i % 100) / 100}))
            if i % 100 == 99:
                await asyncio.sleep(0.01)
        for _ in range(25):
            await junk.send_str("{not json")
        print("end", time.monotonic(), flush=True)
        over = await s.ws_connect(f"{url}/ws?t={token}")
        await over.send_str("x" * big)    # an oversized frame
        await good.send_str(json.dumps({"preset": "jazz"}))
        seen = None
        while seen != "jazz":             # the good client still gets the show's state
            m = await asyncio.wait_for(good.receive(), 5.0)
            if m.type == aiohttp.WSMsgType.TEXT:
                seen = json.loads(m.data).get("preset")
        for ws in (flood, junk, over):    # each ends closed by the server
            while not ws.closed:
                await asyncio.wait_for(ws.receive(), 5.0)
        print("closed", flood.close_code, junk.close_code, over.close_code, flush=True)
        await good.close()
asyncio.run(main())
"""


@pytest.mark.slow
def test_a_flood_and_garbage_are_counted_and_dropped_while_others_keep_working(art_bank,
                                                                                drum_song):
    import subprocess
    import sys

    show, th, out, url = web_show(art_bank, drum_song)
    try:
        time.sleep(1.0)
        frames = []                                   # (monotonic, frames begun)
        p = subprocess.Popen([sys.executable, "-c", FLOOD_CLIENTS, url, TOKEN,
                              str(MAX_MESSAGE * 2)], stdout=subprocess.PIPE, text=True)
        while p.poll() is None:
            frames.append((time.monotonic(), show.log.frames))
            time.sleep(0.05)
        lines = dict(line.split(" ", 1) for line in p.stdout.read().splitlines())
        assert p.returncode == 0 and "closed" in lines, lines
        start, end = float(lines["start"]), float(lines["end"])

        def rate(a, b):
            pts = [(t, n) for t, n in frames if a <= t <= b]
            return (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])

        # a loop that handled the messages itself would stall for the flood; the show may
        # lose at most half its frames to the web thread (the bound of OSC's flood test)
        rate_before, rate_during = rate(frames[0][0], start), rate(start, end)
        assert rate_during >= 0.5 * rate_before, (rate_before, rate_during)
        assert show.state.preset == "jazz"
    finally:
        show.controls.quit = True
        th.join(20)
    w = out["s"].details["web"]
    assert w["dropped"] > 0 and w["bad"] >= 21 and w["disconnected"] >= 3, w
