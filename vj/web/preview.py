"""The clean picture for the web page: a frame sink (vj.live.frame_out feeds it from
the same pixel-buffer readback as NDI, a few times a second, never waiting) that
encodes JPEG on the feed's own thread, only while a client watches."""
from __future__ import annotations

import io
import threading
import time

#: Preview frames per second and their size (a phone's width; a few dozen kB each)
FPS = 5.0
SIZE = (320, 180)
QUALITY = 70


class JpegSink:
    name = "web preview"

    def __init__(self, quality: int = QUALITY) -> None:
        self.quality = quality
        self.jpeg: bytes | None = None      # the newest picture
        self.seq = 0                        # bumps with each picture
        self.watched_until = 0.0            # perf_counter until which someone wants it
        self.encoded = 0
        self._lock = threading.Lock()

    def open(self, width: int, height: int, fps: float) -> None:
        pass

    def watch(self, seconds: float = 2.0) -> None:
        """A client wants pictures (the web thread calls this as it sends them)."""
        self.watched_until = time.perf_counter() + seconds

    def send(self, rgba) -> None:
        if time.perf_counter() > self.watched_until:
            return                           # nobody watches: no encoding
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(rgba[..., :3]).save(buf, "JPEG", quality=self.quality)
        with self._lock:
            self.jpeg = buf.getvalue()
            self.seq += 1
        self.encoded += 1

    def latest(self) -> tuple[int, bytes | None]:
        with self._lock:
            return self.seq, self.jpeg

    def close(self) -> None:
        pass


def thumbnail_jpeg(rgb) -> bytes | None:
    if rgb is None:
        return None
    from PIL import Image

    im = Image.fromarray(rgb)
    im.thumbnail((160, 160))
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=75)
    return buf.getvalue()


class Thumbnails:
    """The banks' keyframe pictures as small JPEGs, made once each (at most 256 kept)."""

    def __init__(self, pictures=None, shown: int = 4) -> None:
        self.pictures, self.shown = pictures, shown   # pictures(bank, i) -> RGB or None
        self._cache: dict = {}

    def jpeg(self, bank: str, i: str) -> bytes | None:
        key = (bank, i)
        if key not in self._cache:
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = thumbnail_jpeg(self.pictures(bank, int(i))
                                              if self.pictures and i.isdigit() else None)
        return self._cache[key]

    def counts(self, banks: list[str]) -> dict:
        """How many pictures (up to ``shown``) each bank has."""
        out = {}
        for b in banks:
            n = 0
            while n < self.shown and self.pictures and self.pictures(b, n) is not None:
                n += 1
            out[b] = n
        return out
