"""The show's frame outputs (vj.live.outputs) fed without stalling the render loop:
a readback through pixel buffer objects one frame late, three preallocated arrays,
a one-slot mailbox and a sender thread per sink."""
from __future__ import annotations

import threading
import time

import numpy as np

#: Readback buffers in flight: the one written this frame is read the frame after.
PBOS = 2


class Mailbox:
    """Three arrays: the render thread fills a free one and posts it; the sender takes
    the newest post.  A post that replaces one not yet taken counts as dropped."""

    def __init__(self, shape) -> None:
        self.arrays = [np.zeros(shape, np.uint8) for _ in range(3)]
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.pending: int | None = None
        self.sending: int | None = None
        self.dropped = 0

    def free(self) -> int:
        with self._lock:
            return next(i for i in range(3) if i not in (self.pending, self.sending))

    def post(self, i: int) -> None:
        with self._lock:
            if self.pending is not None:
                self.dropped += 1
            self.pending = i
        self._ready.set()

    def take(self, timeout: float) -> int | None:
        if not self._ready.wait(timeout):
            return None
        with self._lock:
            self._ready.clear()
            i, self.pending = self.pending, None
            self.sending = i
            return i

    def done(self) -> None:
        with self._lock:
            self.sending = None


class FrameFeed:
    """One sink fed from the render thread (``capture``) by its own sender thread."""

    def __init__(self, sink, size, fps: float, faults, *, interval: float = 0.0) -> None:
        self.sink, self.size, self.fps, self.faults = sink, tuple(size), fps, faults
        self.interval = interval        # s between two pictures (0: every frame)
        w, h = self.size
        self.box = Mailbox((h, w, 4))
        self._upright = np.zeros((h, w, 4), np.uint8)   # a bottom-up read, turned over
        self._flipped = [False] * 3                      # per mailbox array
        self.sent = 0
        self.errors = 0
        self._fbo = self._pbos = None
        self._pbo_bottom_up = [False] * PBOS
        self._i = 0
        self._unposted: int | None = None   # the buffer read last time, to post now
        self._last = -1e9
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"vj-out-{sink.name}",
                                        daemon=True)

    # -- render thread ------------------------------------------------------------------------
    def start(self, ctx) -> "FrameFeed":
        w, h = self.size
        self._fbo = ctx.simple_framebuffer(self.size, components=4)
        self._pbos = [ctx.buffer(reserve=w * h * 4) for _ in range(PBOS)]
        self.sink.open(w, h, self.fps)
        self._thread.start()
        return self

    def capture(self, renderer, uniforms, shown=None, bottom_up: bool = False) -> None:
        """Post the picture whose readback began last time (finished by now), and
        begin this frame's when one is due.  ``shown``: the framebuffer the projector
        got, when it is already the clean picture at this size (no HUD on it): read as
        it is instead of drawing it again."""
        if renderer is None or self._fbo is None:
            return
        if self._unposted is not None:
            j, self._unposted = self._unposted, None
            k = self.box.free()
            self._pbos[j].read_into(self.box.arrays[k])
            self._flipped[k] = self._pbo_bottom_up[j]
            self.box.post(k)
        if self.interval > 0:
            now = time.perf_counter()
            if now - self._last < self.interval:
                return
            self._last = now
        if shown is None:
            renderer.present(uniforms, self._fbo, self.size)   # image order: top row first
            src, bottom_up = self._fbo, False
        else:
            src = shown
        i = self._i
        src.read_into(self._pbos[i], components=4, alignment=1)
        self._pbo_bottom_up[i] = bottom_up
        self._unposted = i
        self._i = (i + 1) % PBOS

    # -- sender thread ----------------------------------------------------------------------
    def _run(self) -> None:
        while not self._halt.is_set():
            k = self.box.take(0.1)
            if k is None:
                continue
            try:
                a = self.box.arrays[k]
                if self._flipped[k]:             # the screen's rows start at the bottom
                    np.copyto(self._upright, a[::-1])
                    a = self._upright
                self.sink.send(a)
                self.sent += 1
                if self.errors:
                    self.faults.clear("output", f"{self.sink.name} sends again")
                    self.errors = 0
            except Exception as e:
                self.errors += 1
                self.faults.report("output", f"{self.sink.name}: {str(e)[:120]}")
                time.sleep(min(0.1 * self.errors, 1.0))
            finally:
                self.box.done()

    def stop(self) -> None:
        self._halt.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        try:
            self.sink.close()
        except Exception:
            pass

    def report(self) -> str:
        return f"{self.sink.name}: {self.sent} frames sent, {self.box.dropped} dropped"


def start_feeds(specs, size, fps: float, ctx, faults, stack) -> list:
    """``--ndi`` / ``--output``: a feed per sink, each stopped by ``stack``; a sink that
    cannot open stops the show before it starts, with one line."""
    from vj.errors import VjError
    from vj.live.faults import quietly
    from vj.live.outputs import make_sink

    feeds = []
    for spec in specs:
        sink = make_sink(spec)
        try:
            feed = FrameFeed(sink, size, fps, faults)
            feed.start(ctx)
        except VjError:
            raise
        except Exception as e:
            raise VjError(f"--output {spec}: cannot open ({str(e)[:160]})") from None
        stack.callback(quietly(f"output {spec}", feed.stop))
        feeds.append(feed)
    return feeds
