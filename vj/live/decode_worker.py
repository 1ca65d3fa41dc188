"""The decode worker: slerp + decode (and the refine stage, vj.live.refining) of the
newest requested position on its own thread (and CUDA stream), published through a
triple buffer.

The render loop calls :meth:`DecodeWorker.request` with the position it wants next
and :meth:`DecodeWorker.newest` for the newest finished frame; both only swap
references under a lock held for microseconds, so the render loop never waits for a
decode.  Requests are not queued: the worker always decodes the newest one, so a
slow decoder shows fewer distinct frames, never stale ones.
"""
from __future__ import annotations

import logging
import threading
import time

import numpy as np

from vj.live.faults import Faults
from vj.live.telemetry import Rate, Ring
from vj.runtime import chaos

log = logging.getLogger("vj.live")


#: A failed source with nothing to fall back on: the last frame stays on screen, and
#: the source is tried again after :data:`RETRY_SECONDS`.
HOLD = object()
RETRY_SECONDS = 1.0


class Slot:
    """One decoded frame: pixels and where they came from."""

    __slots__ = ("pixels", "source", "k", "s")

    def __init__(self) -> None:
        self.pixels = np.zeros((1, 1, 3), np.uint8)
        self.source = None
        self.k, self.s = 0, 0.0


class DecodeWorker(threading.Thread):
    def __init__(self, faults: Faults, *, fallback=None) -> None:
        """``fallback(source) -> source or None``: what to show when ``source`` fails
        (the bank's keyframe pictures)."""
        super().__init__(name="vj-decode", daemon=True)
        self.faults, self.fallback = faults, fallback
        self._lock = threading.Lock()
        self._back, self._ready, self._front = Slot(), Slot(), Slot()
        self._seq = self._taken = 0
        self._want = None            # (source, k, s)
        self._wake = threading.Event()
        self._halt = threading.Event()
        self.decode_ms = Ring(4096)
        self.rate = Rate(512)
        self._stream = None
        #: the refine stage (vj.live.refining.LiveRefine), or None
        self.refine = None
        self._decoded = None         # (source, k, s): what _last holds, decoded
        self._last = np.zeros((1, 1, 3), np.uint8)

    # -- render thread ---------------------------------------------------------------------
    def request(self, source, k: int, s: float, strength: float = 0.0) -> None:
        """The position to show next, and how strongly to refine it."""
        self._want = (source, k, s, strength)
        self._wake.set()

    def newest(self) -> Slot | None:
        """The newest decoded frame if there is one the render loop has not taken yet."""
        with self._lock:
            if self._seq == self._taken:
                return None
            self._front, self._ready = self._ready, self._front
            self._taken = self._seq
            return self._front

    def fps(self, now: float) -> float:
        return self.rate.per_second(now)

    # -- worker thread -------------------------------------------------------------------------
    def run(self) -> None:
        done = None
        while not self._halt.is_set():
            if not self._wake.wait(0.1):
                continue
            self._wake.clear()
            want = self._want
            if want is None or want == done:
                continue
            source, k, s, strength = want
            t = time.perf_counter()
            repl = getattr(source, "vj_replacement", None)
            if repl is HOLD:
                if t < getattr(source, "vj_retry_at", 0.0):
                    continue
                source.vj_replacement = None     # try it again
            elif repl is not None:
                source = repl
            try:
                chaos.check("decode")
                img = self._decoded_frame(source, k, s)
                if self.refine is not None:
                    img = self._on_stream(source, self.refine, img, source, k, s, strength)
            except Exception as e:
                self._failed(source, e)
                continue
            done = want
            if repl is HOLD:
                self.faults.clear("decode", f"{getattr(source, 'name', 'decoder')} decodes again")
            back = self._back
            if back.pixels.shape != img.shape:   # a new frame size: once per bank change
                back.pixels = np.empty(img.shape, np.uint8)
            np.copyto(back.pixels, img)
            back.source, back.k, back.s = source, k, s
            with self._lock:
                self._back, self._ready = self._ready, back
                self._seq += 1
            now = time.perf_counter()
            self.decode_ms.push((now - t) * 1000.0)
            self.rate.tick(now)

    def _decoded_frame(self, source, k: int, s: float):
        """The decoded frame at (k, s); a position decoded just before (the strength
        changed, not the picture) is not decoded again."""
        if self.refine is not None and self._decoded == (source, k, s):
            return self._last
        img = self._decode(source, k, s)
        chaos.slow_decode()
        if self.refine is not None:
            if self._last.shape != img.shape:
                self._last = np.empty(img.shape, np.uint8)
            np.copyto(self._last, img)
            self._decoded = (source, k, s)
            return self._last
        return img

    def _decode(self, source, k: int, s: float):
        return self._on_stream(source, source.frame, k, s)

    def _on_stream(self, source, fn, *args):
        """``fn(*args)`` on the worker's own CUDA stream when ``source`` decodes on a GPU."""
        device = str(getattr(getattr(source, "decoder", None), "device", "cpu"))
        if device.startswith("cuda"):
            import torch

            if self._stream is None:
                self._stream = torch.cuda.Stream(device=device)
            with torch.cuda.stream(self._stream):
                return fn(*args)
        return fn(*args)

    def _failed(self, source, e: Exception) -> None:
        name = getattr(source, "name", "decoder")
        repl = None
        if self.fallback is not None:
            try:
                repl = self.fallback(source)
            except Exception as fe:
                self.faults.report("decode", f"{name} failed ({str(e)[:120]}) and there is "
                                   f"nothing to fall back on ({fe}); holding the last frame")
        if repl is not None:
            self.faults.report("decode", f"{name} failed ({str(e)[:120]}); showing the "
                               "keyframe pictures")
        else:
            self.faults.report("decode", f"{name} failed ({str(e)[:120]}); holding the "
                               "last frame")
        source.vj_replacement = HOLD if repl is None else repl
        source.vj_retry_at = time.perf_counter() + RETRY_SECONDS

    def stop(self) -> None:
        self._halt.set()
        self._wake.set()
        if self.is_alive():
            self.join(timeout=5.0)
