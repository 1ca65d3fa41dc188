"""The GL side of the show: the target (window or headless), the shader library, one
renderer per frame size, effects uniforms, the HUD, swap and fence.  Only the render
thread (the main thread) touches it."""
from __future__ import annotations

import logging
import time

import numpy as np

from vj.live.faults import Faults
from vj.render.fx import Uniforms, compute, crossfade_level
from vj.render.hud import Hud
from vj.runtime import chaos

log = logging.getLogger("vj.live")


class Stage:
    def __init__(self, *, headless: bool, size, monitor=None, fullscreen: bool = False,
                 shaders=None, crossfade: float = 1.5, faults: Faults, probe: bool = False,
                 preview=None):
        from vj.render.shaders import ShaderLibrary
        from vj.render.targets import HeadlessTarget, WindowTarget

        self.faults, self.crossfade, self.probe = faults, crossfade, probe
        self.out_size = tuple(size)
        self.target = (HeadlessTarget(size) if headless else
                       WindowTarget(size, monitor=monitor, fullscreen=fullscreen))
        try:
            self.shaders = ShaderLibrary(self.target.ctx, shaders)
        except Exception:
            self.target.close()
            raise
        self.headless = headless
        self._make_values = None           # this frame's HUD values function (draw)
        self.preview = None
        if preview is not None:            # (size, monitor) of the operator's window
            from vj.errors import VjError
            from vj.live.preview import Preview

            if headless:
                self.target.close()
                raise VjError("--preview opens a second window: not with --headless")
            self.preview = Preview(self.target, *preview, shaders=self.shaders.folder)
        self.renderers: dict = {}
        self.renderer = None
        self.scale, self.bicubic = 1.0, True   # the presentation's quality (vj.live.adapt)
        self.source = None           # the frame source of what is on screen
        self.uniforms = Uniforms()
        self.hud = Hud()
        self.hud_on = False
        self.fade_start = -1e9
        self._prev = None            # probe: the previous picture
        self.last_brightness = self.last_change = 0.0

    def _renderer_for(self, size):
        from vj.render.renderer import Renderer

        r = self.renderers.get(size)
        if r is None:
            out = self.out_size if self.headless else self.target.size
            r = self.renderers[size] = Renderer(self.target.ctx, size, out, shaders=self.shaders,
                                                sync=self.target.gpu.between_passes())
            r.scale, r.bicubic = self.scale, self.bicubic
        return r

    def set_quality(self, scale: float, bicubic: bool) -> None:
        """Draw the presentation at ``scale`` of the target's resolution (the show
        sheds load, or --render-scale), with or without the bicubic upscale."""
        self.scale, self.bicubic = scale, bicubic
        for r in self.renderers.values():
            r.scale, r.bicubic = scale, bicubic

    def show(self, slot, now: float) -> None:
        """Upload a newly decoded frame (crossfading when it comes from another source)."""
        h, w = slot.pixels.shape[:2]
        r = self._renderer_for((w, h))
        if slot.source is not self.source:
            if self.source is not None and r is self.renderer:
                r.start_crossfade()       # same size: fade from what is on screen
                self.fade_start = now
            self.source = slot.source
        self.renderer = r
        r.upload(slot.pixels)

    def draw(self, now: float, t: float, dt: float, fx, *, onset: float, energy: float,
             state, hud_values=None) -> None:
        """Effects at the display rate, the HUD, the look into the target.  ``hud_values``:
        a function that builds the HUD's values, called only when the projector's HUD
        (on with ``state.hud``) or the preview's is due (a few times a second)."""
        r = self.renderer
        if r is None:
            return
        r.fit = state.fit
        compute(self.uniforms, fx, time=t, onset=onset, energy=energy,
                intensity=state.intensity, master=state.master, blackout=state.blackout,
                crossfade=crossfade_level(now - self.fade_start, self.crossfade
                                          if state.crossfade is None else state.crossfade),
                dt=dt)
        self._make_values = hud_values
        self._hud(r, now, state.hud, hud_values)
        fb = self.target.framebuffer(r)
        try:
            chaos.check("uniform")
            r.frame(self.uniforms, fb, flip=self.target.flip,
                    target_size=self.target.size if fb is not None else None)
        except Exception as e:  # a uniform that does not fit: report, draw on
            self.faults.report("uniform", f"{str(e)[:160]}")
        if self.preview is not None:
            try:
                chaos.check("preview")
                self.preview.draw(r, self.uniforms, hud_values and self._preview_values, now,
                                  probe=self.probe)
            except Exception as e:  # the projector goes on without the preview
                self.faults.report("preview", f"preview failed ({str(e)[:120]})")
        if self.probe and self.headless:
            self._measure(r)

    def feed(self, feeds) -> None:
        """The clean picture to the frame outputs (vj.live.frame_out), never waiting.
        Without the HUD on the projector, what it got is read back as it is (no second
        drawing) when the sizes agree."""
        r = self.renderer
        if r is None:
            return
        size = self.out_size if self.headless else self.target.size
        shown = None if self.hud_on else (r.out_fbo if self.headless else self.target.ctx.screen)
        for f in feeds:
            try:
                chaos.check("output")
                direct = shown is not None and tuple(f.size) == tuple(size)
                f.capture(r, self.uniforms, shown if direct else None,
                          bottom_up=direct and not self.headless)
            except Exception as e:  # the projector goes on without that output
                self.faults.report("output", f"{f.sink.name} capture failed ({str(e)[:120]})")

    def _hud(self, r, now: float, on: bool, values) -> None:
        if not on:
            if self.hud_on:
                r.set_hud(None)
                self.hud_on = False
            return
        if values is None or not self.hud.due(now):
            return
        try:
            chaos.check("hud")
            r.set_hud(self.hud.render(self._values(values)))
            self.hud_on = True
        except Exception as e:  # the picture goes on without the HUD
            self.faults.report("hud", f"HUD failed ({str(e)[:120]})")

    def _values(self, make) -> dict:
        """The HUD's values (``make()``, built only when a HUD is due) with the stage's own."""
        v = make()
        v["shader"] = next(iter(self.shaders.errors.values()), None)
        v["target"] = self.target.name
        return v

    def _preview_values(self) -> dict:
        return self._values(self._make_values)

    @property
    def last_picture(self):
        """Probe mode, headless: the last frame as it was drawn (H x W x 3, int16)."""
        return self._prev

    def _measure(self, r) -> None:
        pic = r.read().astype(np.int16)
        self.last_brightness = float(pic.mean())
        prev = self._prev
        self.last_change = (float(np.abs(pic - prev).mean())
                            if prev is not None and prev.shape == pic.shape else 0.0)
        self._prev = pic

    def swap(self) -> tuple[float, float]:
        """Wait until the GPU has finished the frame, show it, and wait for the swap;
        returns ``(drawn, shown)``: when the frame was complete and when it was on
        screen.  Every wait releases the interpreter lock (vj.render.gpu)."""
        gpu = self.target.gpu
        gpu.wait()                  # the frame is complete (headless too)
        drawn = time.perf_counter()
        if self.headless:
            return drawn, drawn
        self.target.swap()
        gpu.wait()                  # under vsync: until the swap has happened
        return drawn, time.perf_counter()

    def close(self) -> None:
        if self.preview is not None:
            self.preview.close()
        self.target.close()
