"""What every model decoder shares: the MoVQ decode with the post-processing fused
in (so compile, ONNX and TensorRT see one graph: latents in, uint8 RGB out)."""
from __future__ import annotations

import math

import numpy as np


def movq_module(movq):
    """``z [B, 4, h, w] -> uint8 [B, H, W, 3]``: MoVQ decode (no quantisation, as the
    pipeline does), then [-1, 1] to 0..255 and channels last."""
    import torch

    class MovqDecode(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.movq = m

        def forward(self, z):
            # what movq.decode(z, force_not_quantize=True) computes, without the commit
            # loss it also makes (a CPU tensor copied to the device: no CUDA graph)
            m = self.movq
            if m.config.get("lookup_from_codebook"):
                raise ValueError("MoVQ with lookup_from_codebook: latents must be codes")
            spatial = z if m.config.get("norm_type") == "spatial" else None
            x = m.decoder(m.post_quant_conv(z), spatial)
            x = (x.clamp(-1.0, 1.0) * 127.5 + 127.5).round()
            return x.to(torch.uint8).permute(0, 2, 3, 1).contiguous()

    return MovqDecode(movq).eval()


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 pictures (inf when equal)."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def model_hash(movq) -> str:
    """sha256 over the MoVQ's parameters and config (engine cache keys)."""
    import hashlib
    import json

    h = hashlib.sha256(json.dumps(dict(movq.config), sort_keys=True, default=str).encode())
    for name, p in sorted(movq.state_dict().items()):
        h.update(name.encode())
        h.update(p.detach().float().cpu().numpy().tobytes())
    return h.hexdigest()[:16]
