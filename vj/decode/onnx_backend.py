"""The ``onnx`` decoder: the MoVQ exported to ONNX (static shape) and run by
onnxruntime (TensorRT or CUDA execution provider with onnxruntime-gpu, the CPU
provider otherwise).  ``tools/export_onnx.py`` and the ``tensorrt`` backend use
:func:`export_onnx` too."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from vj.decode.base import model_hash, movq_module
from vj.runtime.cache import cache_dir

log = logging.getLogger("vj.decode")


def export_onnx(movq, shape: tuple[int, int, int, int], path: str | os.PathLike | None = None,
                *, opset: int = 18) -> Path:
    """Export ``z -> uint8 frames`` at a static shape (fp32 weights); validated with
    onnx.checker.  Cached by model hash and shape when ``path`` is None."""
    import warnings

    import onnx
    import torch

    if path is None:
        path = cache_dir() / "onnx" / f"movq-{model_hash(movq)}-{'x'.join(map(str, shape))}.onnx"
    path = Path(path)
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    module = movq_module(movq.float().cpu())
    z = torch.zeros(shape)
    tmp = path.with_suffix(".tmp.onnx")
    with warnings.catch_warnings(), torch.inference_mode(False):
        warnings.simplefilter("ignore")
        try:  # the TorchScript exporter: fast, and needs no onnxscript
            torch.onnx.export(module, (z,), str(tmp), input_names=["latents"],
                              output_names=["frames"], opset_version=opset, dynamo=False)
        except (TypeError, RuntimeError):  # torch versions without it: the dynamo exporter
            torch.onnx.export(module, (z,), str(tmp), input_names=["latents"],
                              output_names=["frames"], opset_version=opset, dynamo=True)
    onnx.checker.check_model(str(tmp))
    os.replace(tmp, path)
    return path


def providers(device: str) -> list[str]:
    import onnxruntime as ort

    have = ort.get_available_providers()
    wanted = (["TensorrtExecutionProvider", "CUDAExecutionProvider"]
              if str(device).startswith("cuda") else []) + ["CPUExecutionProvider"]
    return [p for p in wanted if p in have]


class OnnxDecoder:
    name = "onnx"

    def __init__(self, movq, device: str, dtype, shape: tuple[int, int, int, int]) -> None:
        import onnxruntime as ort

        self.shape = tuple(shape)
        self.device, self.dtype = device, dtype
        self.path = export_onnx(movq, self.shape)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.providers = providers(device)
        if self.providers[0] == "CPUExecutionProvider":
            # the live show renders on this CPU too: leave it a core, and no busy-waiting
            # threads that would take the render loop's time slices
            import os

            opts.intra_op_num_threads = max(1, (os.cpu_count() or 2) - 1)
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(self.path), opts, providers=self.providers)
        log.info("onnx decoder: %s with %s", self.path.name, self.session.get_providers()[0])

    def decode(self, z):
        import numpy as np
        import torch

        x = z.detach().float().cpu().numpy()
        if x.shape != self.shape:
            raise ValueError(f"onnx decoder: built for latents {self.shape}, got {x.shape}")
        out = self.session.run(["frames"], {"latents": np.ascontiguousarray(x)})[0]
        return torch.from_numpy(out).to(self.device)
