"""Decoders behind one interface: a frame source gives ``frame(k, s)`` -> uint8 RGB.

``image`` banks interpolate pictures; ``latent`` banks slerp latents and decode
them with the bank's MoVQ (``torch`` backend; faster GPU backends plug in here).
"""
from __future__ import annotations

import logging

from vj.bank import Bank
from vj.errors import VjError

log = logging.getLogger("vj.decode")

BACKENDS = ("auto", "image", "torch")


def open_frames(bank: Bank, decoder: str = "auto", device: str = "auto"):
    """A frame source for ``bank`` and the name of the decoder it uses."""
    if decoder not in BACKENDS:
        raise VjError(f"--decoder {decoder}: available decoders are {', '.join(BACKENDS)}")
    if bank.mode == "image":
        from vj.decode.image import ImageDecoder

        return ImageDecoder(bank.frames)
    if decoder == "image":
        return thumbnails(bank)
    from vj.decode.torch_backend import LatentFrames, TorchDecoder, load_movq
    from vj.generate.kandinsky import pick_device

    dev, dtype = pick_device(device)
    movq = load_movq(bank.manifest, dev, dtype)
    src = LatentFrames(bank.frames, TorchDecoder(movq, dev, dtype))
    log.info("decoder: torch on %s (%s)", dev, str(dtype).replace("torch.", ""))
    return src


def thumbnails(bank: Bank):
    """The bank's decoded keyframe pictures as an image decoder (the fallback when a
    model decoder fails)."""
    import numpy as np
    from PIL import Image

    from vj.decode.image import ImageDecoder

    if bank.mode == "image":
        return ImageDecoder(bank.frames)
    files = sorted((bank.path / "thumbs").glob("*.png")) if bank.path else []
    if not files:
        raise VjError(f"{bank.path}: no thumbnails to fall back on")
    return ImageDecoder(np.stack([np.asarray(Image.open(f).convert("RGB")) for f in files]))
