"""The window target under Xvfb draws the same picture as the headless target."""
import os
import shutil
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow   # every test here runs a window under Xvfb

SCRIPT = r"""
import numpy as np
from vj.generate.artwork import artwork
from vj.render.fx import Uniforms
from vj.render.renderer import Renderer
from vj.render.targets import HeadlessTarget, WindowTarget

img = np.asarray(artwork(4, 200))
u = Uniforms(hue=0.1, flash=0.2, master=0.8)
w = WindowTarget((320, 240))
rw = Renderer(w.ctx, (200, 200), w.size)
rw.upload(img)
rw.frame(u, w.ctx.screen, flip=True, target_size=w.size)
shot = np.frombuffer(w.ctx.screen.read(components=3, alignment=1), np.uint8)
shot = shot.reshape(w.size[1], w.size[0], 3)[::-1]  # GL rows start at the bottom
w.swap()
h = HeadlessTarget(w.size)
rh = Renderer(h.ctx, (200, 200), w.size)
rh.upload(img)
rh.frame(u)
off = rh.read()
mad = np.abs(shot.astype(float) - off.astype(float)).mean() / 255.0
print("MAD", mad, "MEAN", off.mean())
w.close()
"""


@pytest.fixture(scope="module")
def xvfb():
    exe = shutil.which("Xvfb")
    assert exe, "Xvfb is installed by `make test` (tools/install-system-deps.sh)"
    for n in range(90, 110):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            break
    proc = subprocess.Popen([exe, f":{n}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(f"/tmp/.X11-unix/X{n}"):
            break
        time.sleep(0.05)
    yield f":{n}"
    proc.terminate()
    proc.wait(timeout=5)


def on_display(xvfb, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    """Python with ``args`` on the virtual display; when ``ok``, it must exit 0."""
    res = subprocess.run([sys.executable, *args], env=dict(os.environ, DISPLAY=xvfb),
                         capture_output=True, text=True, timeout=120)
    if ok:
        assert res.returncode == 0, res.stderr
    return res


def test_window_matches_headless(xvfb):
    res = on_display(xvfb, "-c", SCRIPT)
    mad = float(res.stdout.split("MAD")[1].split()[0])
    mean = float(res.stdout.split("MEAN")[1].split()[0])
    assert mean > 10  # a real picture, not black
    assert mad < 1 / 255, mad


def test_live_in_a_window(xvfb, tmp_path, art_bank):
    """`vj live` with a real window: runs, then exits with its summary."""
    import numpy as np
    import soundfile as sf

    from vj.audio.synth import click_train

    y, _ = click_train(sr=22050, duration=3.0)
    sf.write(tmp_path / "c.wav", y, 22050)
    res = on_display(xvfb, "-m", "vj", "live", "--bank", str(art_bank),
                     "--audio-file", str(tmp_path / "c.wav"), "--duration", "2",
                     "--size", "320x240", "--no-osc", "--hud")
    assert "show summary:" in res.stdout
    frames = int(res.stdout.split("show summary: ")[1].split()[0])
    assert frames > 20
    del np


MONITOR_SCRIPT = r"""
import glfw
import numpy as np
from vj.render.fx import Uniforms
from vj.render.renderer import Renderer
from vj.render.targets import WindowTarget

w = WindowTarget((320, 240), monitor=0, fullscreen=True)
m = glfw.get_window_monitor(w.window)
print("FULL", bool(m), w.size)
# Xvfb cannot unplug its screen, so the monitor events glfw would deliver are sent to
# the target's callback by hand; the window, context and glfw calls are real.
w._on_monitor(m, glfw.DISCONNECTED)
glfw.poll_events()
print("UNPLUGGED", bool(glfw.get_window_monitor(w.window)), w.fullscreen, w.want_fullscreen)
r = Renderer(w.ctx, (64, 64), w.size)
r.upload(np.full((64, 64, 3), 200, np.uint8))
r.frame(Uniforms(), w.ctx.screen, flip=True, target_size=w.size)
print("DRAWN", np.frombuffer(w.ctx.screen.read(components=3), np.uint8).mean())
w.swap()
w._on_monitor(m, glfw.CONNECTED)
print("REPLUGGED", bool(glfw.get_window_monitor(w.window)), w.fullscreen)
w.close()
"""


def test_window_survives_its_monitor_going_away_and_coming_back(xvfb):
    res = on_display(xvfb, "-c", MONITOR_SCRIPT)
    out = res.stdout
    assert "FULL True (1024, 768)" in out
    assert "UNPLUGGED False False True" in out
    assert float(out.split("DRAWN")[1].split()[0]) > 100  # still drawing, in a window
    assert "REPLUGGED True True" in out


PREVIEW_SCRIPT = r"""
import numpy as np
from vj.generate.artwork import artwork
from vj.live.preview import Preview
from vj.render.fx import Uniforms
from vj.render.renderer import Renderer
from vj.render.targets import WindowTarget

img = np.asarray(artwork(4, 200))
u = Uniforms(hue=0.1, master=0.8)
w = WindowTarget((320, 240))
p = Preview(w, (320, 240))
r = Renderer(w.ctx, (200, 200), w.size)
r.upload(img)
values = {"fps": 60.0, "decode_ms": 1.0, "decoder": "image", "latency_ms": 12.0, "target": "x",
          "P": 0.5, "H": 0.2, "E": 0.4, "preset": "techno", "bank": "b", "osc": (0, 0),
          "next": "preset trance", "fault": "audio: no audio"}
for i in range(3):
    r.frame(u, w.ctx.screen, flip=True, target_size=w.size)
    main = np.frombuffer(w.ctx.screen.read(components=3, alignment=1), np.uint8)
    main = main.reshape(240, 320, 3)[::-1]
    p.draw(r, u, lambda: values, now=float(i), probe=False)
    w.glfw.make_context_current(p.window)
    prev = np.frombuffer(p.ctx.screen.read(components=3, alignment=1), np.uint8)
    prev = prev.reshape(240, 320, 3)[::-1]
    w.glfw.make_context_current(w.window)
    w.swap()
hh, hw = p.hud_size[1], p.hud_size[0]
mask = np.zeros((240, 320), bool)
mask[8:8 + hh, 8:8 + hw] = True
outside = np.abs(main.astype(float) - prev.astype(float))[~mask].mean()
inside = np.abs(main.astype(float) - prev.astype(float))[mask].mean()
print("OUTSIDE", outside, "INSIDE", inside, "HUD", hw, hh, "MEAN", main.mean())
p.close()
w.close()
"""


def test_preview_shows_the_projector_picture_with_the_hud(xvfb):
    """--preview: the same picture as the projector, plus the HUD; the projector clean."""
    res = on_display(xvfb, "-c", PREVIEW_SCRIPT)
    words = res.stdout.split()
    outside, inside = float(words[1]), float(words[3])
    hud_w, hud_h, mean = int(words[5]), int(words[6]), float(words[8])
    assert mean > 20                      # a picture, not black
    assert hud_w > 100 and hud_h > 50     # the HUD was drawn in the preview ...
    assert outside < 1.0, outside         # ... which elsewhere is the projector's picture
    assert inside > 10.0, inside          # and only the preview has the HUD


def test_live_with_a_preview_window(xvfb, art_bank, drum_song):
    res = on_display(xvfb, "-m", "vj", "live", "--bank", str(art_bank),
                     "--audio-file", str(drum_song), "--duration", "2",
                     "--size", "320x240", "--no-osc", "--preview",
                     "--preview-size", "160x120")
    assert int(res.stdout.split("show summary: ")[1].split()[0]) > 20
    assert "preview failed" not in res.stdout + res.stderr
    res = on_display(xvfb, "-m", "vj", "live", "--bank", str(art_bank),
                     "--audio-file", str(drum_song), "--duration", "1", "--headless",
                     "--no-osc", "--preview", ok=False)
    assert res.returncode != 0 and "--preview opens a second window" in res.stderr


FEED_SCRIPT = r"""
import time
import numpy as np
from vj.live.faults import Faults
from vj.live.frame_out import FrameFeed
from vj.live.outputs import FrameSink
from vj.render.fx import Uniforms
from vj.render.renderer import Renderer
from vj.render.targets import WindowTarget

class Keep(FrameSink):
    name = "keep"
    got = None
    def send(self, rgba):
        self.got = rgba.copy()

y = np.linspace(0, 255, 64)[:, None, None] * np.ones((1, 64, 1))
img = np.concatenate([y, 255 - y, 0 * y], -1).astype(np.uint8)     # red grows downwards
w = WindowTarget((128, 96))
r = Renderer(w.ctx, (64, 64), w.size)
r.upload(img)
direct, drawn = Keep(), Keep()
feeds = [FrameFeed(direct, w.size, 60, Faults()).start(w.ctx),
         FrameFeed(drawn, w.size, 60, Faults()).start(w.ctx)]
for i in range(4):
    r.frame(Uniforms(), w.ctx.screen, flip=True, target_size=w.size)
    feeds[0].capture(r, Uniforms(), w.ctx.screen, bottom_up=True)   # the screen as it is
    feeds[1].capture(r, Uniforms())                                  # drawn once more
    w.swap()
time.sleep(0.5)
for f in feeds:
    f.stop()
for k in (direct, drawn):
    print(k.got[:16, 32:96, 0].mean(), k.got[-16:, 32:96, 0].mean())
print("DIFF", np.abs(direct.got.astype(int) - drawn.got.astype(int))[..., :3].mean())
w.close()
"""


def test_outputs_get_the_window_picture_upright(xvfb):
    res = on_display(xvfb, "-c", FEED_SCRIPT)
    lines = res.stdout.split("\n")
    for line in lines[:2]:                       # both ways: red dark at the top
        top, bottom = map(float, line.split())
        assert top + 100 < bottom, line
    assert float(lines[2].split()[1]) < 2.0, lines[2]   # and the same picture
