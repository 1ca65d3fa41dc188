"""Waiting for the GPU without holding Python's interpreter lock.

moderngl holds the lock in every call (its C code has no ``Py_BEGIN_ALLOW_THREADS``),
so ``ctx.finish()``, and any draw that must wait for an earlier one, keeps every
other Python thread of the show (decode, OSC, MIDI, the loader) waiting as long as
the GPU takes: on a software renderer, most of each frame.  :class:`GpuWait` calls
the same context's ``glFinish`` through ctypes, which releases the lock for the call.
"""
from __future__ import annotations

import ctypes
import logging

log = logging.getLogger("vj.render")

#: Renderer names (GL_RENDERER) of software rasterisers, where a draw that samples
#: what the draw before it rendered waits for it inside the call.
SOFTWARE = ("llvmpipe", "softpipe", "swiftshader", "software", "swrast")


class GpuWait:
    """``wait()``: glFinish on the current context, with the lock released.

    ``address``: the address of the context's ``glFinish`` (from ``eglGetProcAddress``
    or ``glfwGetProcAddress``); without one, ``ctx.finish()`` (holding the lock)."""

    def __init__(self, ctx, address: int | None) -> None:
        self.ctx = ctx
        self.free = bool(address)
        self._finish = ctypes.CFUNCTYPE(None)(address) if address else None
        renderer = str(ctx.info.get("GL_RENDERER", "")).lower()
        #: on a software renderer the passes of a frame are waited for one by one
        self.software = any(s in renderer for s in SOFTWARE)

    def wait(self) -> None:
        if self._finish is not None:
            self._finish()          # ctypes releases the interpreter lock here
        else:
            self.ctx.finish()

    def between_passes(self):
        """The wait to make between two passes (None where a GPU pipelines them)."""
        return self.wait if self.software else None
