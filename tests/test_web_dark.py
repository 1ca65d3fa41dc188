"""The web remote as a VJ meets it in the dark (issue 38): a swipe on a phone that
starts on a fader, a show that is killed and comes back under an open page, a token
that is revoked, hostile JSON, scripts reading refusals, meters after the music ends,
every surface telling the same state."""
import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import Desk, free_port, show_thread, wait_for
from tests.test_set_live import rig, supervised
from tests.test_web import TOKEN, chromium, web_show

# -- hostile input and scripts --------------------------------------------------------------------


def test_deeply_nested_json_is_a_refused_message():
    from vj.web.protocol import Refused, parse

    for text in ("[" * 2000, '[{"a":' * 600, "[" * 4000):
        with pytest.raises(Refused, match="nested too deeply"):
            parse(text)


def _post(url, body: bytes, token=TOKEN):
    req = urllib.request.Request(f"{url}/api/command", data=body, method="POST",
                                 headers={"X-VJ-Token": token} if token else {})
    try:
        r = urllib.request.urlopen(req, timeout=10)
        return r.status, r.headers.get("Content-Type", ""), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), json.loads(e.read())


@pytest.mark.slow
def test_nested_json_and_refusals_are_counted_json_answers(art_bank, drum_song):
    import aiohttp

    show, th, out, url = web_show(art_bank, drum_song)
    try:
        code, kind, body = _post(url, b"[" * 2000)
        assert (code, body["ok"]) == (400, False) and kind.startswith("application/json")
        assert "nested" in body["error"]
        # refusals: JSON for scripts (the page gets its token page)
        for token, status in ((None, 401), ("wrong", 401)):
            code, kind, body = _post(url, b'{"do": "cut"}', token)
            assert (code, body) == (status, {"ok": False, "error": "token needed"}), body
            assert kind.startswith("application/json")
        req = urllib.request.Request(f"{url}/api/status")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        assert e.value.code == 401 and json.loads(e.value.read())["ok"] is False

        async def ws():
            async with aiohttp.ClientSession() as s:
                c = await s.ws_connect(f"{url}/ws?t={TOKEN}")
                for _ in range(3):
                    await c.send_str("[" * 2000)          # under the size limit
                await c.send_str(json.dumps({"preset": "jazz"}))
                seen = None
                while seen != "jazz":
                    m = await asyncio.wait_for(c.receive(), 10)
                    assert m.type == aiohttp.WSMsgType.TEXT, m   # not dropped (1006)
                    seen = json.loads(m.data).get("preset")
                await c.close()

        asyncio.run(ws())
        assert show.state.preset == "jazz"
    finally:
        show.controls.quit = True
        th.join(20)
    w = out["s"].details["web"]
    assert w["bad"] == 4 and w["by_kind"]["bad message (nested too deeply)"] == 3, w
    assert w["disconnected"] == 0


@pytest.mark.slow
def test_meters_fall_to_silence_when_the_music_ends_and_status_is_fresh(art_bank, write_audio,
                                                                        tmp_path):
    import numpy as np

    from vj.audio.synth import drum_and_chords
    from vj.live.show import ShowConfig

    song = write_audio("short.wav", drum_and_chords(sr=22050, duration=3.0, seed=1), 22050)
    osc, port = free_port(), free_port()
    cfg = ShowConfig(banks=[str(art_bank)], audio_file=str(song), headless=True, size=(160, 90),
                     osc_host="127.0.0.1", osc_port=osc, preset="techno", duration=30.0,
                     web=("127.0.0.1", port), web_token=TOKEN)
    show, th, out = show_thread(cfg)
    url = f"http://127.0.0.1:{port}"

    def status():
        req = urllib.request.Request(f"{url}/api/status", headers={"X-VJ-Token": TOKEN})
        return json.loads(urllib.request.urlopen(req, timeout=10).read())

    try:
        assert wait_for(lambda: status()["level"] > -119, 10, 0.1)   # the music plays
        assert wait_for(lambda: show.faults.active("audio") is not None, 15, 0.1)   # it ended
        # silence within vj.web.state.SILENT_AFTER (0.5 s) of the last analysed audio; 5 s for a loaded
        # machine, then it stays so
        silent = lambda: (lambda st: (st["level"], st["P"], st["H"], st["latency_ms"]))(status())
        assert wait_for(lambda: silent() == (-120.0, 0.0, 0.0, 0.0), 5, 0.1), status()
        time.sleep(0.5)
        assert silent() == (-120.0, 0.0, 0.0, 0.0)
        # a preset changed from the page: OSC reports it as soon as the loop applied it,
        # not at the next half-second housekeeping
        desk = Desk(osc, timeout=1.0)
        for name in ("jazz", "house", "techno"):
            assert _post(url, json.dumps({"preset": name}).encode())[0] == 200
            assert wait_for(lambda n=name: show.state.preset == n, 5, 0.002)
            assert desk.status()[1] == name
    finally:
        show.controls.quit = True
        th.join(20)
    assert np.isfinite(out["s"].fps)


# -- a phone: a swipe that starts on a fader scrolls the page, a tap on the track does nothing --

def _touch(cdp, kind, x=None, y=None):
    pts = [] if kind == "touchEnd" else [{"x": x, "y": y}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": pts})


def _swipe(cdp, x0, y0, x1, y1, steps=10, hold=0.0):
    _touch(cdp, "touchStart", x0, y0)
    if hold:
        time.sleep(hold)
    for i in range(1, steps + 1):
        _touch(cdp, "touchMove", x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
        time.sleep(0.016)
    _touch(cdp, "touchEnd")


@pytest.mark.slow
def test_on_a_phone_only_a_deliberate_drag_moves_a_fader(art_bank, drum_song, tmp_path):
    from playwright.sync_api import sync_playwright

    show, th, out, url = web_show(art_bank, drum_song)
    try:
        with sync_playwright() as p:
            browser = chromium(p)
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                                      is_mobile=True, device_scale_factor=2)
            page = ctx.new_page()
            page.goto(f"{url}/?t={TOKEN}")
            page.wait_for_selector("#presets .tile.on", timeout=10_000)
            cdp = ctx.new_cdp_session(page)
            sel = "#faders input[data-target=master]"
            page.locator(sel).evaluate("e => e.scrollIntoView({block: 'center'})")
            time.sleep(0.3)
            box = page.locator(sel).bounding_box()
            y = box["y"] + box["height"] / 2
            thumb = box["x"] + 14 + 1.0 * (box["width"] - 28)      # master is at 1.0
            scrolled = page.evaluate("window.scrollY")
            # a vertical swipe that starts on the thumb: the page scrolls, master stays
            _swipe(cdp, thumb, y, thumb - 20, y - 300)
            time.sleep(0.5)
            assert show.state.master == 1.0
            assert page.evaluate("window.scrollY") != scrolled
            # a tap on the track, away from the thumb: nothing
            page.locator(sel).evaluate("e => e.scrollIntoView({block: 'center'})")
            time.sleep(0.3)
            box = page.locator(sel).bounding_box()
            y = box["y"] + box["height"] / 2
            _swipe(cdp, box["x"] + 0.2 * box["width"], y, box["x"] + 0.2 * box["width"], y, 1)
            time.sleep(0.5)
            assert show.state.master == 1.0
            # a swipe across the track that does not start on the thumb: nothing
            _swipe(cdp, box["x"] + 0.3 * box["width"], y, box["x"] + 0.05 * box["width"], y)
            time.sleep(0.5)
            assert show.state.master == 1.0
            # a horizontal drag of the thumb: master follows
            thumb = box["x"] + 14 + 1.0 * (box["width"] - 28)
            _swipe(cdp, thumb, y, thumb - 0.5 * (box["width"] - 28), y, 15)
            assert wait_for(lambda: abs(show.state.master - 0.5) < 0.08, 3), show.state.master
            # locked, the same drag does nothing
            page.locator("#faders .lock").tap()
            time.sleep(0.2)
            before = show.state.master
            thumb = box["x"] + 14 + before * (box["width"] - 28)
            _swipe(cdp, thumb, y, thumb + 100, y, 15)
            time.sleep(0.5)
            assert show.state.master == before
            # the phone layout: touch targets of 44 px at least, an opaque header
            sizes = page.evaluate("""() => [...document.querySelectorAll(
                '#buttons button, #faders .fader, #previewon')].map(e => {
                const r = e.getBoundingClientRect(); return [e.id || e.className, r.height]; })""")
            small = [(n, h) for n, h in sizes if h < 26 or (n != "previewon" and h < 44)]
            assert not small, small
            assert page.evaluate("getComputedStyle(document.querySelector('header'))"
                                 ".backgroundColor") == "rgb(10, 11, 13)"
            page.screenshot(path=str(tmp_path / "phone.png"))
            browser.close()
    finally:
        show.controls.quit = True
        th.join(20)


# -- a show killed under an open page, a token revoked ---------------------------------------------

@pytest.mark.slow
def test_a_killed_show_is_unmissable_on_the_page_and_it_reconnects_by_itself(art_bank,
                                                                              drum_song,
                                                                              tmp_path):
    import psutil
    from playwright.sync_api import sync_playwright

    webp, osc = free_port(), free_port()
    f = tmp_path / "set.toml"
    f.write_text(f"[options]\n{rig(drum_song, osc, webp)}\n" + textwrap.dedent(f"""
        [[song]]
        name = "one"
        bank = "{art_bank}"
        preset = "techno"
        [[song]]
        name = "two"
        bank = "{art_bank}"
        preset = "jazz"
        """))
    env = {**os.environ, "VJ_STATE": str(tmp_path / "state")}
    sup, err = supervised(f, tmp_path / "state")
    desk = Desk(osc, timeout=0.5)

    def kill_show():
        child = next(c for c in psutil.Process(sup.pid).children()
                     if "--no-supervise" in c.cmdline())
        os.kill(child.pid, signal.SIGKILL)

    try:
        assert wait_for(lambda: (desk.status() or [0])[0] > 0, 60, 0.2), err.lines
        token = (tmp_path / "state" / "web-token").read_text().strip()
        with sync_playwright() as p:
            browser = chromium(p)
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"http://127.0.0.1:{webp}/?t={token}")
            page.wait_for_selector("#setcard:not([hidden])", timeout=10_000)
            assert "song 1/2 one" in page.locator("#setnow").inner_text()
            page.locator("#go").click()
            page.wait_for_function("document.querySelector('#setnow').textContent"
                                   ".includes('song 2/2 two')", timeout=5_000)
            time.sleep(1.5)                          # saved
            kill_show()
            page.wait_for_selector("#lostbanner.lost:has-text('SHOW LOST')", timeout=5_000)
            assert page.locator("#cut").is_disabled() and page.locator("#go").is_disabled()
            page.wait_for_selector("#lostbanner.back:has-text('the show is back')",
                                   timeout=30_000)
            assert not page.locator("#cut").is_disabled()
            assert "song 2/2 two" in page.locator("#setnow").inner_text()
            page.locator("#back").click()             # the page works again, same token
            page.wait_for_function("document.querySelector('#setnow').textContent"
                                   ".includes('song 1/2 one')", timeout=5_000)
            # the token revoked: the open page asks for the new one, typed in
            new = subprocess.run([sys.executable, "-m", "vj", "web", "token", "--new"], env=env,
                                 capture_output=True, text=True, timeout=60).stdout.strip()
            assert new and new != token
            kill_show()                               # the next start takes the new token
            page.wait_for_selector("#tokenbox:not([hidden])", timeout=30_000)
            page.fill("#tokeninput", new)
            page.locator("#tokenbox button").click()
            page.wait_for_selector("#lostbanner", state="hidden", timeout=20_000)
            assert not page.locator("#go").is_disabled()
            assert f"t={new}" in page.url
            browser.close()
    finally:
        sup.send_signal(signal.SIGINT)
        try:
            sup.wait(20)
        except subprocess.TimeoutExpired:
            sup.kill()
