"""Decoders behind one interface (docs/design.md, section 2).

A *decoder* turns latents ``[B, 4, h, w]`` into uint8 frames ``[B, H, W, 3]``
on its device: ``torch`` (eager), ``compile`` (torch.compile + CUDA graph),
``tensorrt`` (cached fp16 engine), ``onnx`` (onnxruntime).  A *frame source*
gives ``frame(k, s)`` for the show and ``vj record``: :class:`LatentFrames`
(slerp + decoder) for model banks, :class:`ImageDecoder` for image banks.
``auto`` takes the fastest backend that works here and says which.
"""
from __future__ import annotations

import logging

from vj.bank import Bank
from vj.errors import VjError

log = logging.getLogger("vj.decode")

BACKENDS = ("auto", "torch", "compile", "tensorrt", "onnx", "image")
#: Fastest first; ``auto`` tries them in this order, and only backends that have run:
#: CPU: onnxruntime ran the tiny MoVQ 1.7-1.9x faster than eager torch
#: (docs/benchmarks.md); CUDA: compile (measured on an H100, docs/decode-notes.md),
#: then eager.  TensorRT has never run (it cannot be installed where vj is built), so
#: ``auto`` never picks it; ``--decoder tensorrt`` asks for it by name.
AUTO_ORDER = {"cuda": ("compile", "torch"), "cpu": ("onnx", "torch")}


def make_decoder(name: str, movq, device: str, dtype, shape: tuple[int, int, int, int]):
    """One backend, built for latents of ``shape``; raises if it cannot run here."""
    if name == "torch":
        from vj.decode.torch_backend import TorchDecoder

        return TorchDecoder(movq, device, dtype)
    if name == "compile":
        from vj.decode.compile_backend import CompiledDecoder

        return CompiledDecoder(movq, device, dtype, shape)
    if name == "tensorrt":
        from vj.decode.tensorrt_backend import TensorRTDecoder

        return TensorRTDecoder(movq, device, dtype, shape)
    if name == "onnx":
        from vj.decode.onnx_backend import OnnxDecoder

        return OnnxDecoder(movq, device, dtype, shape)
    raise VjError(f"--decoder {name}: available decoders are {', '.join(BACKENDS)}")


def best_decoder(choice: str, movq, device: str, dtype, shape):
    """``choice`` or, for ``auto``, the first backend of AUTO_ORDER that works; every
    backend that fails is reported with its reason and the next one is tried."""
    kind = "cuda" if str(device).startswith("cuda") else "cpu"
    order = AUTO_ORDER[kind] if choice == "auto" else (choice, *[
        b for b in AUTO_ORDER[kind] if b != choice])
    errors = []
    for name in order:
        try:
            dec = make_decoder(name, movq, device, dtype, shape)
            if errors:
                log.warning("decoder %s used instead (%s)", name, "; ".join(errors))
            log.info("decoder: %s on %s", name, device)
            return dec
        except Exception as e:
            errors.append(f"{name}: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
    raise VjError("no decoder works here: " + "; ".join(errors))


def open_frames(bank: Bank, decoder: str = "auto", device: str = "auto", batch: int = 1):
    """A frame source for ``bank`` (``.name`` says which decoder it uses)."""
    if decoder not in BACKENDS:
        raise VjError(f"--decoder {decoder}: available decoders are {', '.join(BACKENDS)}")
    if bank.mode == "image":
        from vj.decode.image import ImageDecoder

        return ImageDecoder(bank.frames)
    if decoder == "image":
        return thumbnails(bank)
    from vj.decode.torch_backend import LatentFrames, load_movq
    from vj.runtime.device import pick_device

    dev, dtype = pick_device(device)
    movq = load_movq(bank.manifest, dev, dtype)
    shape = (batch, *bank.frames.shape[1:])
    return LatentFrames(bank.frames, best_decoder(decoder, movq, dev, dtype, shape))


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
