"""Image-mode banks: keyframes are plain pictures, no model needed."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vj.bank import Bank, make_manifest
from vj.errors import ParameterError
from vj.runtime.files import sha256_file

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"}
MIN_SIDE = 16
MAX_PIXELS = 200_000_000


def collect_images(paths: list[str | os.PathLike]) -> list[Path]:
    """Expand folders into their image files (sorted); keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise ParameterError(f"{p}: the folder holds no images "
                                     f"({', '.join(sorted(IMAGE_SUFFIXES))})")
            out.extend(found)
        else:
            out.append(p)
    if not out:
        raise ParameterError("no images given")
    return out


def open_rgb(path: str | os.PathLike):
    """Open any common picture as 8-bit RGB (CMYK, 16-bit, palette, alpha on black)."""
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"{p}: no such image file")
    try:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        im = Image.open(p)
        im.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise ParameterError(f"{p}: not a readable image ({e})") from None
    except Image.DecompressionBombError:
        raise ParameterError(f"{p}: larger than {MAX_PIXELS // 1_000_000} megapixels") from None
    if min(im.size) < MIN_SIDE:
        raise ParameterError(f"{p}: {im.size[0]}x{im.size[1]} pixels is too small "
                             f"(at least {MIN_SIDE} on each side)")
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(im, dtype=np.float64)
        scale = 65535.0 if a.max() > 255 else 255.0
        im = Image.fromarray(np.clip(a / scale * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (0, 0, 0, 255))
        im = Image.alpha_composite(bg, im)
    return im.convert("RGB")


def fit_cover(im, size: int | tuple[int, int]):
    """Scale so the picture covers ``size`` (N or (W, H)) and crop the centre (no
    distortion)."""
    from PIL import Image

    tw, th = (size, size) if isinstance(size, int) else size
    w, h = im.size
    scale = max(tw / w, th / h)
    nw, nh = max(tw, round(w * scale)), max(th, round(h * scale))
    im = im.resize((nw, nh), Image.Resampling.LANCZOS)
    left, top = (nw - tw) // 2, (nh - th) // 2
    return im.crop((left, top, left + tw, top + th))


def fit_square(im, size: int):
    """Scale so the shorter side is ``size`` and crop the centre (no distortion)."""
    return fit_cover(im, size)


def image_bank(paths: list[str | os.PathLike], *, size: int | tuple[int, int] = 512,
               genre: str | None = None, name: str | None = None,
               dedupe: bool = False) -> Bank:
    """A bank whose keyframes are the given pictures, resized and cropped to cover
    ``size`` (N or (W, H)).  Keyframes nearly the same picture as an earlier one are
    named in a warning, and dropped with ``dedupe`` (vj.generate.dedupe)."""
    from vj.generate.dedupe import near_duplicates, report

    w, h = (size, size) if isinstance(size, int) else size
    if not (64 <= w <= 4096 and 64 <= h <= 4096):
        raise ParameterError(f"size={size!r}: sides between 64 and 4096 pixels")
    files = collect_images(paths)
    frames = np.stack([np.asarray(fit_cover(open_rgb(p), (w, h))) for p in files])
    dups = near_duplicates(frames)
    keep = report(dups, [str(f) for f in files], dedupe)
    frames, files = frames[keep], [files[i] for i in keep]
    manifest = make_manifest(
        "image", frames, width=w, height=h, genre=genre, name=name,
        model=None, sources=[{"path": str(p), "sha256": sha256_file(p)} for p in files])
    return Bank("image", frames, manifest)
