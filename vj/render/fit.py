"""Where the picture goes on an output of another shape: contained (black bars),
covering it (the centre, cropped) or stretched.  Pure."""
from __future__ import annotations


def fit(src: tuple[int, int], dst: tuple[int, int]) -> tuple[int, int, int, int]:
    """``(x, y, w, h)``: the largest rectangle of ``src``'s aspect centred in ``dst``
    (the rest is the letterbox or pillarbox).

    >>> fit((512, 512), (1280, 720))
    (280, 0, 720, 720)
    """
    sw, sh = src
    dw, dh = dst
    if dw * sh > dh * sw:             # the target is wider: bars left and right
        w, h = max(1, round(dh * sw / sh)), dh
    else:
        w, h = dw, max(1, round(dw * sh / sw))
    return (dw - w) // 2, (dh - h) // 2, w, h


FITS = ("auto", "contain", "cover", "stretch")
#: ``auto``: aspect ratios closer than this (relative) are contained (bars too thin to
#: see), others covered (the projector filled, the picture's edges cropped)
AUTO_TOLERANCE = 0.03


def placement(src: tuple[int, int], dst: tuple[int, int], mode: str = "contain"):
    """Where a picture of size ``src`` goes in ``dst``, and which part of it shows:
    ``(x, y, w, h), (ux, uy)``: the rectangle it is drawn into and the share of the
    picture's width and height sampled (centred; below 1 it is cropped).

    >>> placement((512, 512), (1280, 720), "cover")
    ((0, 0, 1280, 720), (1.0, 0.5625))
    >>> placement((512, 512), (1280, 720), "stretch")
    ((0, 0, 1280, 720), (1.0, 1.0))
    """
    sw, sh = src
    dw, dh = dst
    if mode == "auto":
        close = abs((sw * dh) / (sh * dw) - 1.0) <= AUTO_TOLERANCE
        mode = "contain" if close else "cover"
    if mode == "contain":
        return fit(src, dst), (1.0, 1.0)
    if mode == "stretch":
        return (0, 0, dw, dh), (1.0, 1.0)
    if mode != "cover":
        raise ValueError(f"fit {mode!r}: one of {', '.join(FITS)}")
    a = (sw * dh) / (sh * dw)           # the picture's aspect over the target's
    return (0, 0, dw, dh), ((1.0 / a, 1.0) if a > 1.0 else (1.0, a))
