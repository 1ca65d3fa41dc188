"""`vj live --preview`: a second window for the operator (another monitor) showing the
projector's picture with the HUD always on (meters, tempo, next preset, faults), while
the projector stays clean.  Both come from the same frame: the render thread draws the
clean picture once more into a texture that the preview window's context shares, and
draws it there with the HUD over it.  Nothing is decoded twice."""
from __future__ import annotations

import numpy as np

from vj.render.hud import Hud


class Preview:
    def __init__(self, main, size=(640, 360), monitor: str | None = None, *,
                 shaders=None) -> None:
        """``shaders``: the shader folder (default the project's)."""
        import glfw
        import moderngl

        from vj.render.shaders import SHADER_DIR, program_from_files

        self.main, self.glfw, self.size = main, glfw, tuple(size)
        # the clean picture, in the projector's context, shared with the preview's
        self.tex = main.ctx.texture(self.size, 4)
        self.fbo = main.ctx.framebuffer(color_attachments=[self.tex])
        self.window = glfw.create_window(self.size[0], self.size[1], "vj preview", None,
                                         main.window)
        if not self.window:
            raise RuntimeError("glfw could not open the preview window")
        self._place(monitor)
        glfw.make_context_current(self.window)
        try:
            glfw.swap_interval(0)        # the projector's window keeps the vsync
            self.ctx = moderngl.create_context(require=330)
            self.image = self.ctx.external_texture(self.tex.glo, self.size, 4, 0, "f1")
            self.prog = program_from_files(self.ctx, shaders or SHADER_DIR, "fullscreen.vert",
                                           "preview.frag")
            quad = self.ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], "f4").tobytes())
            self.vao = self.ctx.vertex_array(self.prog, [(quad, "2f", "in_pos")])
            self.hud_tex = self.ctx.texture((8, 8), 4)
            self.hud_size = (0, 0)
        finally:
            glfw.make_context_current(main.window)
        self.hud = Hud()
        self.last_mean = self.last_hud_mean = 0.0   # probe

    def _place(self, monitor) -> None:
        from vj.render.targets import find_monitor

        m = None if monitor is None else find_monitor(self.glfw, monitor)
        if m is not None:
            x, y = self.glfw.get_monitor_pos(m)
            self.glfw.set_window_pos(self.window, x + 40, y + 40)

    def draw(self, renderer, uniforms, values, now: float, probe=False) -> None:
        """The projector's picture into the shared texture, then the preview window.
        ``values``: None, or a function that returns the HUD's values (called only when
        the HUD is due)."""
        if renderer is None:
            return
        glfw = self.glfw
        renderer.present(uniforms, self.fbo, self.size)
        self.main.gpu.wait()                         # visible to the other context
        glfw.make_context_current(self.window)
        try:
            ctx = self.ctx
            if values is not None and self.hud.due(now):
                rgba = self.hud.render(values())
                h, w = rgba.shape[:2]
                if (w, h) != self.hud_size:
                    self.hud_tex.release()
                    self.hud_tex = ctx.texture((w, h), 4)
                    self.hud_size = (w, h)
                self.hud_tex.write(np.ascontiguousarray(rgba))
            ctx.screen.use()
            ctx.viewport = (0, 0, *glfw.get_framebuffer_size(self.window))
            self.image.use(0)
            self.hud_tex.use(1)
            self.prog["u_image"].value = 0
            self.prog["u_hud"].value = 1
            self.prog["u_hud_size"].value = tuple(float(max(x, 1)) for x in self.hud_size)
            self.prog["u_dst"].value = tuple(float(x) for x in ctx.viewport[2:])
            self.prog["u_has_hud"].value = 1.0 if self.hud_size[0] else 0.0
            self.vao.render(mode=5)              # triangle strip
            if probe:
                self._measure()
            glfw.swap_buffers(self.window)
        finally:
            glfw.make_context_current(self.main.window)

    def _measure(self) -> None:
        w, h = self.ctx.viewport[2:]
        pic = np.frombuffer(self.ctx.screen.read(components=3), np.uint8).reshape(h, w, 3)
        self.last_mean = float(pic.mean())
        hh, hw = self.hud_size[1], self.hud_size[0]
        self.last_hud_mean = float(pic[::-1][8:8 + hh, 8:8 + hw].mean()) if hh else 0.0

    def close(self) -> None:
        try:
            self.glfw.destroy_window(self.window)
        except Exception:
            pass
