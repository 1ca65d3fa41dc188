"""The render pipeline: upload the decoded frame, run the look pass into a
feedback buffer, present it on the target, draw the HUD.

Every GL resource is made in the constructor; :meth:`Renderer.frame` only
writes uniforms, uploads into the existing texture and draws.  All calls
must come from the thread that owns the GL context (the main thread).
"""
from __future__ import annotations

import numpy as np

from vj.render.fx import Uniforms
from vj.render.shaders import ShaderLibrary


class UniformError(RuntimeError):
    """Setting a uniform failed (the show reports it and draws on)."""


def _set(prog, name: str, value) -> None:
    if name in prog:  # the GLSL compiler drops unused uniforms
        try:
            prog[name].value = value
        except Exception as e:  # moderngl.Error, struct.error
            raise UniformError(f"uniform {name}: {e}") from None


class Renderer:
    def __init__(self, ctx, frame_size: tuple[int, int], out_size: tuple[int, int], *,
                 shaders: ShaderLibrary | None = None, bicubic: bool = True) -> None:
        import moderngl

        self.ctx = ctx
        self._strip_mode = moderngl.TRIANGLE_STRIP
        self._blend = (moderngl.BLEND, moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA)
        self.frame_size = tuple(int(x) for x in frame_size)
        self.out_size = tuple(int(x) for x in out_size)
        self.shaders = shaders or ShaderLibrary(ctx)
        self.bicubic = bicubic
        w, h = self.frame_size

        def tex(components=3, dtype="f1"):
            t = ctx.texture((w, h), components, dtype=dtype)
            t.filter = (moderngl.LINEAR, moderngl.LINEAR)
            t.repeat_x = t.repeat_y = False
            return t

        self.frame_tex = tex()
        # the look and its feedback in half floats: a trail decays below 1/255 instead
        # of sticking at the 8-bit step where value * trail rounds back to value
        self.look = [tex(4, "f2"), tex(4, "f2")]
        self.look_fbo = [ctx.framebuffer(color_attachments=[t]) for t in self.look]
        self.from_tex = tex(4, "f2")
        self.from_fbo = ctx.framebuffer(color_attachments=[self.from_tex])
        for fbo in (*self.look_fbo, self.from_fbo):
            fbo.use()
            fbo.clear(0.0, 0.0, 0.0, 1.0)
        self.hud_tex = None
        self._hud_size = (0, 0)
        self._quad = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4").tobytes())
        self._vaos: dict = {}
        self._cur = 0
        # an off-screen output of out_size (headless targets and readback)
        self.out_fbo = ctx.simple_framebuffer(self.out_size, components=3)
        W, H = self.out_size
        self._readbuf = bytearray(W * H * 3)
        self._read_np = np.frombuffer(self._readbuf, dtype=np.uint8).reshape(H, W, 3)

    def _vao(self, name: str):
        prog = self.shaders[name]
        vao = self._vaos.get(name)
        if vao is None or vao.program is not prog:  # rebuilt after a shader reload
            if vao is not None:
                vao.release()
            vao = self.ctx.vertex_array(prog, [(self._quad, "2f", "in_pos")])
            self._vaos[name] = vao
        return vao

    def upload(self, rgb: np.ndarray) -> None:
        """Copy a uint8 H x W x 3 frame (image order) into the frame texture."""
        self.frame_tex.write(rgb if rgb.flags.c_contiguous else np.ascontiguousarray(rgb))

    def start_crossfade(self) -> None:
        """Freeze what is on screen now as the picture a crossfade starts from."""
        self.ctx.copy_framebuffer(self.from_fbo, self.look_fbo[self._cur])

    def set_hud(self, rgba: np.ndarray | None) -> None:
        if rgba is None:
            self._hud_size = (0, 0)
            return
        h, w = rgba.shape[:2]
        if self.hud_tex is None or self.hud_tex.size != (w, h):
            if self.hud_tex is not None:
                self.hud_tex.release()
            self.hud_tex = self.ctx.texture((w, h), 4)
        self.hud_tex.write(np.ascontiguousarray(rgba))
        self._hud_size = (w, h)

    def frame(self, u: Uniforms, target=None, *, flip: bool = False,
              target_size: tuple[int, int] | None = None) -> None:
        """Draw one frame into ``target`` (a framebuffer; default: the off-screen output).
        ``flip`` for the screen, whose row 0 is the bottom."""
        ctx = self.ctx
        nxt = 1 - self._cur
        # 1. the look, at the frame's size, into the next feedback buffer
        self.look_fbo[nxt].use()
        post = self.shaders["post"]
        self.frame_tex.use(0)
        self.look[self._cur].use(1)
        self.from_tex.use(2)
        _set(post, "u_frame", 0)
        _set(post, "u_prev", 1)
        _set(post, "u_from", 2)
        _set(post, "u_crossfade", u.crossfade)
        _set(post, "u_hue", u.hue)
        _set(post, "u_trail", u.trail)
        _set(post, "u_zoom", u.zoom)
        _set(post, "u_flash", u.flash)
        self._vao("post").render(mode=self._strip_mode)
        self._cur = nxt
        # 2. presentation on the target
        fbo = target if target is not None else self.out_fbo
        size = target_size or (self.out_size if target is None else fbo.viewport[2:])
        self.present(u, fbo, size, flip=flip)
        # 3. the HUD on top
        if self._hud_size[0] and self.hud_tex is not None:
            blend, src, dst = self._blend
            hud = self.shaders["hud"]
            ctx.enable(blend)
            ctx.blend_func = src, dst
            self.hud_tex.use(0)
            _set(hud, "u_hud", 0)
            _set(hud, "u_hud_size", tuple(float(x) for x in self._hud_size))
            _set(hud, "u_dst", tuple(float(x) for x in size))
            _set(hud, "u_flip", 1.0 if flip else 0.0)
            self._vao("hud").render(mode=self._strip_mode)
            ctx.disable(blend)

    def present(self, u: Uniforms, fbo, size, *, flip: bool = False) -> None:
        """The last look, scaled to ``size``, with strobe, master and blackout, into
        ``fbo``: what the projector shows, without the HUD (also the clean picture that
        frame outputs such as NDI send)."""
        ctx = self.ctx
        fbo.use()
        ctx.viewport = (0, 0, *size)
        pres = self.shaders["present"]
        self.look[self._cur].use(0)
        _set(pres, "u_image", 0)
        _set(pres, "u_src", self.frame_size)
        _set(pres, "u_dst", tuple(float(x) for x in size))
        _set(pres, "u_flip", 1.0 if flip else 0.0)
        _set(pres, "u_strobe", u.strobe)
        _set(pres, "u_master", u.master)
        _set(pres, "u_blackout", u.blackout)
        # bicubic only when scaling: at 1:1 a plain fetch is exact and cheaper
        _set(pres, "u_bicubic", 1 if self.bicubic and tuple(size) != self.frame_size else 0)
        self._vao("present").render(mode=self._strip_mode)

    def read(self) -> np.ndarray:
        """The off-screen output as uint8 H x W x 3 in image order (a view on a buffer
        that the next read overwrites)."""
        self.out_fbo.read_into(self._readbuf, components=3, alignment=1)
        return self._read_np

    def release(self) -> None:
        for obj in (self.frame_tex, *self.look, *self.look_fbo, self.from_tex, self.from_fbo,
                    self.out_fbo, self._quad, *self._vaos.values()):
            obj.release()
        if self.hud_tex is not None:
            self.hud_tex.release()
