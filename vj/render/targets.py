"""Where frames go: a headless EGL context (``vj record``, ``vj live --headless``,
tests) or a glfw window (windowed or borderless fullscreen on a chosen monitor)."""
from __future__ import annotations

import logging
from collections import deque

from vj.errors import VjError

log = logging.getLogger("vj.render")


class RenderError(VjError):
    pass


def headless_context(*, with_loader: bool = False):
    """An OpenGL 3.3+ context with no window (EGL; Mesa's llvmpipe on a CPU).
    ``with_loader``: also return the EGL loader (``load(name)`` gives a GL function's
    address, for :class:`vj.render.gpu.GpuWait`)."""
    import glcontext
    import moderngl

    try:
        loader = glcontext.get_backend_by_name("egl")(mode="standalone", glversion=330)
        ctx = moderngl.create_context(standalone=True, require=330, context=loader)
    except Exception as e:
        raise RenderError(f"no headless OpenGL (EGL) context: {e}. Install the EGL and Mesa "
                          "libraries: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri") from None
    return (ctx, loader) if with_loader else ctx


class HeadlessTarget:
    """Renders into the renderer's off-screen output; nothing is shown."""

    flip = False

    def __init__(self, size: tuple[int, int]) -> None:
        from vj.render.gpu import GpuWait, yield_to_audio

        self.ctx, loader = headless_context(with_loader=True)
        self._loader = loader            # owns the EGL context
        self.gpu = GpuWait(self.ctx, _address_of(loader.load, "glFinish"))
        yield_to_audio(self.ctx)
        self.size = size
        self.keys: deque = deque()
        self.name = f"headless {size[0]}x{size[1]} ({self.ctx.info['GL_RENDERER']})"

    def framebuffer(self, renderer):
        return None  # the renderer's own off-screen output

    def period(self, fps: float) -> float:
        """The frame period: headless, the show paces itself at ``fps``."""
        return 1.0 / fps

    def swap(self) -> None:
        pass

    def poll(self) -> None:
        pass

    def should_close(self) -> bool:
        return False

    def toggle_fullscreen(self) -> None:
        pass

    def close(self) -> None:
        try:
            self.ctx.release()
        except Exception:
            pass


def _address_of(load, name: str) -> int | None:
    try:
        return int(load(name) or 0) or None
    except Exception as e:  # then the show waits with ctx.finish(), holding the lock
        log.debug("no address for %s: %s", name, e)
        return None


def monitor_name(glfw, m) -> str:
    name = glfw.get_monitor_name(m)
    return name.decode(errors="replace") if isinstance(name, bytes) else str(name)


def find_monitor(glfw, choice):
    """The monitor ``choice`` names (an index, or part of its name; None: the primary),
    or None when none is connected that matches: the one matcher of projector, preview
    and ``vj devices``."""
    mons = glfw.get_monitors() or []
    if not mons:
        return None
    if choice is None:
        return glfw.get_primary_monitor()
    if isinstance(choice, int) or str(choice).isdigit():
        i = int(choice)
        return mons[i] if i < len(mons) else None
    return next((m for m in mons if str(choice).lower() in monitor_name(glfw, m).lower()), None)


def monitors() -> list[dict]:
    """Connected monitors: index, name, size, refresh rate (needs a display)."""
    import glfw

    if not glfw.init():
        return []
    out = []
    for i, m in enumerate(glfw.get_monitors() or []):
        mode = glfw.get_video_mode(m)
        out.append({"index": i, "name": monitor_name(glfw, m),
                    "size": (mode.size.width, mode.size.height), "refresh": mode.refresh_rate})
    return out


def _address(handle) -> int | None:
    """The C address of a glfw handle (pyglfw returns a new ctypes pointer object on
    every call, so ``==`` on the objects says nothing)."""
    import ctypes

    return ctypes.cast(handle, ctypes.c_void_p).value if handle else None


class WindowTarget:
    """A glfw window with vsync.  ``monitor``: index or part of a name; with
    ``fullscreen`` the window covers that monitor borderless at its own mode."""

    flip = True

    def __init__(self, size: tuple[int, int] = (1280, 720), *, monitor: int | str | None = None,
                 fullscreen: bool = False, vsync: bool = True, title: str = "vj") -> None:
        import glfw
        import moderngl

        self.glfw = glfw
        if not glfw.init():
            raise RenderError("cannot open a window (no display?); use --headless")
        glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
        glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
        glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
        glfw.window_hint(glfw.OPENGL_FORWARD_COMPAT, True)
        glfw.window_hint(glfw.AUTO_ICONIFY, False)  # stay up when focus goes to another screen
        self.windowed_size = size
        self.monitor_choice = monitor
        self.window = glfw.create_window(size[0], size[1], title, None, None)
        if not self.window:
            raise RenderError("glfw could not create an OpenGL 3.3 window")
        glfw.make_context_current(self.window)
        glfw.swap_interval(1 if vsync else 0)
        self.ctx = moderngl.create_context(require=330)
        from vj.render.gpu import GpuWait, yield_to_audio

        self.gpu = GpuWait(self.ctx, _address_of(
            lambda n: _address(glfw.get_proc_address(n)), "glFinish"))
        yield_to_audio(self.ctx)
        self.keys: deque = deque(maxlen=64)
        glfw.set_key_callback(self.window, self._on_key)
        glfw.set_monitor_callback(self._on_monitor)
        self.fullscreen = False
        #: what the user asked for; a monitor coming back restores it
        self.want_fullscreen = False
        if fullscreen:
            self.set_fullscreen(True)
        self.name = f"window ({self.ctx.info['GL_RENDERER']})"

    # -- monitors -----------------------------------------------------------------------------
    def _pick_monitor(self):
        return find_monitor(self.glfw, self.monitor_choice)

    def set_fullscreen(self, on: bool, *, asked: bool = True) -> None:
        glfw = self.glfw
        if asked:
            self.want_fullscreen = on
        if on:
            m = self._pick_monitor()
            if m is None:
                log.warning("monitor %r not found; staying windowed", self.monitor_choice)
                return
            mode = glfw.get_video_mode(m)
            glfw.set_window_monitor(self.window, m, 0, 0, mode.size.width, mode.size.height,
                                    mode.refresh_rate)
        else:
            glfw.set_window_monitor(self.window, None, 100, 100, *self.windowed_size, 0)
        self.fullscreen = on

    def toggle_fullscreen(self) -> None:
        self.set_fullscreen(not self.fullscreen)

    def _on_monitor(self, monitor, event) -> None:
        """A projector unplugged mid-show: go on in a window instead of dying (glfw has
        already taken the window off it); plugged back in: fullscreen on it again."""
        glfw = self.glfw
        if event == glfw.DISCONNECTED and self.fullscreen:
            current = glfw.get_window_monitor(self.window)
            if not current or _address(current) == _address(monitor):
                log.warning("the monitor was disconnected; continuing in a window")
                self.set_fullscreen(False, asked=False)
        elif event == glfw.CONNECTED and self.want_fullscreen and not self.fullscreen:
            if self._pick_monitor() is not None:
                log.warning("a monitor was connected; back to fullscreen")
                self.set_fullscreen(True, asked=False)

    def _on_key(self, window, key, scancode, action, mods) -> None:
        if action == self.glfw.PRESS:
            self.keys.append(key)

    # -- loop -----------------------------------------------------------------------------------
    @property
    def size(self) -> tuple[int, int]:
        return tuple(self.glfw.get_framebuffer_size(self.window))

    def framebuffer(self, renderer):
        return self.ctx.screen

    def period(self, fps: float) -> float:
        """The frame period: the refresh of the monitor the window is on (vsync paces the
        show; ``fps`` only where the monitor does not say)."""
        glfw = self.glfw
        m = glfw.get_window_monitor(self.window) or glfw.get_primary_monitor()
        mode = glfw.get_video_mode(m) if m else None
        rate = getattr(mode, "refresh_rate", 0) if mode else 0
        return 1.0 / rate if rate and rate > 0 else 1.0 / fps

    def swap(self) -> None:
        self.glfw.swap_buffers(self.window)

    def poll(self) -> None:
        self.glfw.poll_events()

    def should_close(self) -> bool:
        return bool(self.glfw.window_should_close(self.window))

    def close(self) -> None:
        try:
            self.glfw.destroy_window(self.window)
        finally:
            self.glfw.terminate()
