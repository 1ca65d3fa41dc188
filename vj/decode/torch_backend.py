"""The ``torch`` decoder: the bank's MoVQ in eager PyTorch (fp16 on CUDA, fp32 on CPU)."""
from __future__ import annotations

import numpy as np

from vj.decode.base import movq_module
from vj.errors import BankError


def load_movq(bank_manifest: dict, device: str, dtype):
    """The MoVQ of the bank's Kandinsky decoder checkpoint, loaded once."""
    from pathlib import Path

    from vj.runtime.hub import quiet

    quiet()
    from diffusers import VQModel

    model = bank_manifest.get("model") or {}
    source = (model.get("decoder") or {}).get("source")
    if not source:
        raise BankError("the bank's manifest does not name its decoder model (field "
                        "'model.decoder.source')")
    kw = {"local_files_only": True}
    revision = (model.get("decoder") or {}).get("revision")
    if revision and not Path(source).is_dir():
        kw["revision"] = revision
    try:
        movq = VQModel.from_pretrained(source, subfolder="movq", torch_dtype=dtype, **kw)
    except Exception as e:
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise BankError(f"cannot load the bank's MoVQ decoder from {source} ({reason}); "
                        f"run `hf download {source}` or prepare the bank again") from None
    return movq.to(device).eval()


class TorchDecoder:
    """Eager PyTorch; also the reference the other backends are checked against."""

    name = "torch"

    def __init__(self, movq, device: str, dtype) -> None:
        self.device, self.dtype = device, dtype
        self.module = movq_module(movq.to(device, dtype))

    def decode(self, z):
        """Latents [B, 4, h, w] -> uint8 frames [B, H, W, 3] on the device."""
        import torch

        with torch.inference_mode():
            return self.module(z.to(self.device, self.dtype))


class LatentFrames:
    """Frames of a latent bank: ``frame(k, s)`` = decode(slerp(z_k, z_k+1, s)).

    The latents live on the decoder's device (fp32); slerp runs there too, in the
    same stream, straight into a preallocated decoder input, and the frame is copied
    into one preallocated host buffer (pinned on CUDA) that each call overwrites.
    ``frame`` allocates no tensors of its own (the compile and TensorRT backends
    none either); ``batch`` (``vj record``) allocates per call.
    """

    def __init__(self, latents: np.ndarray, decoder) -> None:
        import torch

        from vj.motion.slerp import KeyframeSlerp

        self.decoder = decoder
        self.name = decoder.name
        self.z = torch.from_numpy(np.ascontiguousarray(latents, np.float32)).to(decoder.device)
        self.count = len(self.z)
        #: static-shape backends (compile, onnx, tensorrt) decode exactly this many at once
        self.fixed_batch = int(decoder.shape[0]) if hasattr(decoder, "shape") else None
        self._zin = torch.zeros((self.fixed_batch or 1, *self.z.shape[1:]),
                                device=decoder.device, dtype=decoder.dtype)
        self.latent = KeyframeSlerp(self.z, self._zin[0])
        probe = self.decoder.decode(self._zin)
        h, w = probe.shape[1:3]
        pin = str(decoder.device).startswith("cuda")
        self._host = torch.empty((h, w, 3), dtype=torch.uint8, pin_memory=pin)
        self._np = self._host.numpy()
        self.size = (int(w), int(h))

    def _decode(self, z):
        """Decode ``z`` of any length: static-shape backends get chunks of their fixed
        batch, the last one padded with copies of its final latent."""
        import torch

        n, fb = z.shape[0], self.fixed_batch
        if fb is None or n == fb:
            return self.decoder.decode(z)
        outs = []
        for i in range(0, n, fb):
            part = z[i:i + fb]
            m = part.shape[0]
            if m < fb:
                part = torch.cat([part, part[-1:].expand(fb - m, *part.shape[1:])])
            outs.append(self.decoder.decode(part)[:m].clone())  # static buffers: copy out
        return torch.cat(outs)

    def frame(self, k: int, s: float) -> np.ndarray:
        import torch

        with torch.inference_mode():
            self.latent(k, s)
            self._host.copy_(self.decoder.decode(self._zin)[0])
        return self._np

    def batch(self, ks, ss):
        """Decode several positions at once (``vj record``); uint8 [N, H, W, 3] on the host.
        The slerp weights come from the same per-pair angles as :meth:`frame`."""
        import torch

        from vj.motion.slerp import slerp_weights

        ks = np.asarray(ks, np.int64) % self.count
        ss = np.clip(np.asarray(ss, np.float64), 0.0, 1.0)
        w = np.array([slerp_weights(*self.latent.pairs[k], s) for k, s in zip(ks, ss)],
                     np.float32).reshape(len(ks), 2, 1, 1, 1)
        with torch.inference_mode():
            k = torch.as_tensor(ks, device=self.z.device)
            w = torch.from_numpy(w).to(self.z.device)
            z = w[:, 0] * self.z[k] + w[:, 1] * self.z[(k + 1) % self.count]
            return self._decode(z.to(self.decoder.dtype)).cpu().numpy()
