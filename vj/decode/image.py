"""The ``image`` decoder: image-mode keyframes interpolated in pixel space.

No model is involved; a frame is ``(1 - s) * a + s * b`` of two keyframe
pictures.  Every buffer is allocated once; :meth:`ImageDecoder.frame` writes
into the same output array each call (copy it if you keep it).
"""
from __future__ import annotations

import numpy as np

from vj.errors import BankError


class ImageDecoder:
    name = "image"

    def __init__(self, images: np.ndarray) -> None:
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
            raise BankError(f"image decoder: expected uint8 [N, H, W, 3], got {images.dtype} "
                            f"{list(images.shape)}")
        self.keyframes = images.astype(np.float32)
        self.count = len(images)
        shape = images.shape[1:]
        self._mix = np.empty(shape, np.float32)
        self._diff = np.empty(shape, np.float32)
        self._out = np.empty(shape, np.uint8)

    @property
    def size(self) -> tuple[int, int]:
        return self.keyframes.shape[2], self.keyframes.shape[1]

    def frame(self, k: int, s: float) -> np.ndarray:
        """Keyframe ``k`` blended towards ``k + 1`` by ``s`` (indices wrap around)."""
        a = self.keyframes[k % self.count]
        b = self.keyframes[(k + 1) % self.count]
        s = 0.0 if not s > 0.0 else (1.0 if s > 1.0 else float(s))
        np.subtract(b, a, out=self._diff)
        np.multiply(self._diff, s, out=self._diff)
        np.add(a, self._diff, out=self._mix)
        np.add(self._mix, 0.5, out=self._mix)  # round to nearest on the cast
        np.copyto(self._out, self._mix, casting="unsafe")
        return self._out
