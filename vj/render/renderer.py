"""The render pipeline: upload the decoded frame, run the look pass into a
feedback buffer, present it on the target, draw the HUD.

Every GL resource is made in the constructor (or once per render scale);
:meth:`Renderer.frame` only writes uniforms, uploads into the existing texture and
draws.  All calls must come from the thread that owns the GL context.

The buffers are 8-bit RGBA: a software renderer (Mesa's llvmpipe) samples half
floats at about half the speed, and the look with dithered feedback (post.frag)
decays its trails to black as half floats did.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from vj.render.fit import fit, placement  # noqa: F401  (fit: public here)
from vj.render.fx import Uniforms
from vj.render.shaders import ShaderLibrary

#: Scaled pictures kept (one per target size and render scale in use).
SCALED_KEEP = 6


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
                 shaders: ShaderLibrary | None = None, bicubic: bool = True,
                 sync=None) -> None:
        """``sync``: a call that waits for the GPU without holding Python's lock
        (vj.render.gpu), made between the passes where the second samples what the
        first drew; on a software renderer that wait is long, and inside a draw call
        it would hold the lock (moderngl does not release it)."""
        import moderngl

        self.ctx = ctx
        self._strip_mode = moderngl.TRIANGLE_STRIP
        self._linear = (moderngl.LINEAR, moderngl.LINEAR)
        self._blend = (moderngl.BLEND, moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA)
        self.frame_size = tuple(int(x) for x in frame_size)
        self.out_size = tuple(int(x) for x in out_size)
        self.shaders = shaders or ShaderLibrary(ctx)
        self.bicubic = bicubic
        #: how the picture fills a target of another shape (:data:`FITS`)
        self.fit = "auto"
        #: the presentation's resolution as a share of the target's (the show lowers it
        #: when it cannot keep the display rate, vj.live.adapt)
        self.scale = 1.0
        self.sync = sync
        w, h = self.frame_size

        def tex(components=4):
            t = ctx.texture((w, h), components)
            t.filter = self._linear
            t.repeat_x = t.repeat_y = False
            return t

        self.frame_tex = tex(3)
        self.look = [tex(), tex()]
        self.look_fbo = [ctx.framebuffer(color_attachments=[t]) for t in self.look]
        self.from_tex = tex()
        self.from_fbo = ctx.framebuffer(color_attachments=[self.from_tex])
        for fbo in (*self.look_fbo, self.from_fbo):
            fbo.use()
            fbo.clear(0.0, 0.0, 0.0, 1.0)
        self.hud_tex = None
        self._hud_size = (0, 0)
        self._quad = ctx.buffer(np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4").tobytes())
        self._vaos: dict = {}
        self._scaled: OrderedDict = OrderedDict()   # (w, h) -> (texture, framebuffer)
        self._cur = 0
        self._frames = 0
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
        ctx.viewport = (0, 0, *self.frame_size)
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
        self._frames = (self._frames + 1) % 65536
        _set(post, "u_seed", float(self._frames))
        self._vao("post").render(mode=self._strip_mode)
        self._cur = nxt
        if self.sync is not None:
            self.sync()
        # 2. presentation on the target
        fbo = target if target is not None else self.out_fbo
        size = target_size or (self.out_size if target is None else fbo.viewport[2:])
        self.present(u, fbo, size, flip=flip)
        # 3. the HUD on top
        if self._hud_size[0] and self.hud_tex is not None:
            blend, src, dst = self._blend
            hud = self.shaders["hud"]
            ctx.viewport = (0, 0, *size)
            ctx.enable(blend)
            ctx.blend_func = src, dst
            self.hud_tex.use(0)
            _set(hud, "u_hud", 0)
            _set(hud, "u_hud_size", tuple(float(x) for x in self._hud_size))
            _set(hud, "u_dst", tuple(float(x) for x in size))
            _set(hud, "u_flip", 1.0 if flip else 0.0)
            self._vao("hud").render(mode=self._strip_mode)
            ctx.disable(blend)

    def _scaled_target(self, w: int, h: int):
        got = self._scaled.get((w, h))
        if got is None:           # once per size and scale, not per frame
            tex = self.ctx.texture((w, h), 4)
            tex.filter = self._linear
            tex.repeat_x = tex.repeat_y = False
            got = self._scaled[(w, h)] = (tex, self.ctx.framebuffer(color_attachments=[tex]))
            while len(self._scaled) > SCALED_KEEP:
                _, (t, f) = self._scaled.popitem(last=False)
                f.release()
                t.release()
        else:
            self._scaled.move_to_end((w, h))
        return got

    def present(self, u: Uniforms, fbo, size, *, flip: bool = False) -> None:
        """The last look placed in ``size`` by :attr:`fit` (contained with black bars,
        covering it cropped, or stretched), with strobe, master
        and blackout, into ``fbo``: what the projector shows, without the HUD (also the
        clean picture that frame outputs such as NDI send).  Below :attr:`scale` 1 the
        picture is drawn smaller and stretched onto the target."""
        ctx = self.ctx
        fbo.use()
        ctx.viewport = (0, 0, *size)
        (x, y, w, h), crop = placement(self.frame_size, tuple(size), self.fit)
        if (w, h) != tuple(size):       # the bars around the picture
            fbo.clear(0.0, 0.0, 0.0, 1.0)
        s = self.scale
        sw, sh = (w, h) if s >= 1.0 else (max(1, round(w * s)), max(1, round(h * s)))
        # bicubic only when scaling up: at 1:1 a plain fetch is exact and cheaper
        name = "present_bicubic" if self.bicubic and (sw, sh) != self.frame_size else "present"
        pres = self.shaders[name]
        self.look[self._cur].use(0)
        _set(pres, "u_image", 0)
        _set(pres, "u_src", tuple(float(v) for v in self.frame_size))
        _set(pres, "u_crop", crop)
        _set(pres, "u_strobe", u.strobe)
        _set(pres, "u_master", u.master)
        _set(pres, "u_blackout", u.blackout)
        if (sw, sh) == (w, h):
            _set(pres, "u_flip", 1.0 if flip else 0.0)
            ctx.viewport = (x, y, w, h)
            self._vao(name).render(mode=self._strip_mode)
            return
        tex, small = self._scaled_target(sw, sh)
        small.use()
        ctx.viewport = (0, 0, sw, sh)
        _set(pres, "u_flip", 0.0)
        self._vao(name).render(mode=self._strip_mode)
        if self.sync is not None:
            self.sync()
        fbo.use()
        ctx.viewport = (x, y, w, h)
        up = self.shaders["upscale"]
        tex.use(0)
        _set(up, "u_image", 0)
        _set(up, "u_flip", 1.0 if flip else 0.0)
        self._vao("upscale").render(mode=self._strip_mode)

    def read(self) -> np.ndarray:
        """The off-screen output as uint8 H x W x 3 in image order (a view on a buffer
        that the next read overwrites)."""
        if self.sync is not None:
            self.sync()
        self.out_fbo.read_into(self._readbuf, components=3, alignment=1)
        return self._read_np

    def release(self) -> None:
        for obj in (self.frame_tex, *self.look, *self.look_fbo, self.from_tex, self.from_fbo,
                    self.out_fbo, self._quad, *self._vaos.values()):
            obj.release()
        for t, f in self._scaled.values():
            f.release()
            t.release()
        if self.hud_tex is not None:
            self.hud_tex.release()
