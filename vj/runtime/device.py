"""The torch device a model runs on."""
from __future__ import annotations

from vj.errors import VjError


def pick_device(device: str = "auto") -> tuple[str, "object"]:
    import torch

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise VjError("--device cuda: no CUDA GPU is available (use --device cpu)")
    return device, (torch.float16 if device.startswith("cuda") else torch.float32)
