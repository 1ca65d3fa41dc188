"""The ``tensorrt`` decoder: an fp16 engine built from the ONNX export, with static
shapes, cached on disk, run over preallocated buffers (and a CUDA graph).

TensorRT's pip packages download their libraries from NVIDIA at install time,
so this backend is optional (``pip install 'vj[gpu]'`` on the show machine).
Without it, without a GPU, or with an engine built for another GPU, vj says
so and falls back to the next backend.  The engine cache key covers everything
an engine depends on: GPU name, TensorRT version, model hash, shape and
precision.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from vj.decode.base import model_hash
from vj.decode.onnx_backend import export_onnx
from vj.errors import VjError
from vj.runtime.cache import cache_dir

log = logging.getLogger("vj.decode")


class BackendUnavailable(VjError):
    pass


def engine_key(gpu: str, trt_version: str, model: str, shape: tuple, precision: str) -> str:
    """A file-name-safe key for one engine (pure: tested without TensorRT)."""
    text = "|".join([gpu, trt_version, model, "x".join(map(str, shape)), precision])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def engine_path(key: str, folder: Path | None = None) -> Path:
    return (folder or cache_dir() / "engines") / f"movq-{key}.plan"


def _trt():
    try:
        import tensorrt as trt
    except Exception as e:  # ImportError, or a broken install's OSError
        raise BackendUnavailable(f"TensorRT is not installed ({e.__class__.__name__}); "
                                 "pip install 'vj[gpu]' on the show machine") from None
    return trt


def build_engine(onnx_path: Path, out: Path, *, fp16: bool = True, workspace_gb: int = 4) -> Path:
    trt = _trt()
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(0)
    parser = trt.OnnxParser(network, logger)
    if not parser.parse(Path(onnx_path).read_bytes()):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise BackendUnavailable(f"TensorRT cannot parse {onnx_path}: {errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, workspace_gb << 30)
    if fp16:
        config.set_flag(trt.BuilderFlag.FP16)
    print(f"building a TensorRT engine for {Path(onnx_path).name} (once; a few minutes) ...",
          flush=True)
    plan = builder.build_serialized_network(network, config)
    if plan is None:
        raise BackendUnavailable("TensorRT could not build the engine")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(bytes(plan))
    tmp.replace(out)
    return out


class TensorRTDecoder:
    name = "tensorrt"

    def __init__(self, movq, device: str, dtype, shape: tuple[int, int, int, int], *,
                 cuda_graph: bool = True) -> None:
        import torch

        trt = _trt()
        if not str(device).startswith("cuda") or not torch.cuda.is_available():
            raise BackendUnavailable("TensorRT needs a CUDA GPU")
        self.device, self.dtype, self.shape = device, torch.float16, tuple(shape)
        gpu = torch.cuda.get_device_name(torch.device(device))
        key = engine_key(gpu, trt.__version__, model_hash(movq), self.shape, "fp16")
        path = engine_path(key)
        if not path.is_file():
            build_engine(export_onnx(movq, self.shape), path)
        logger = trt.Logger(trt.Logger.WARNING)
        self.engine = trt.Runtime(logger).deserialize_cuda_engine(path.read_bytes())
        if self.engine is None:  # built for another GPU or TensorRT version
            raise BackendUnavailable(f"{path}: the engine does not load on this GPU/TensorRT")
        self.context = self.engine.create_execution_context()
        self.stream = torch.cuda.Stream(device=device)
        self.buffers = {}
        for i in range(self.engine.num_io_tensors):
            name = self.engine.get_tensor_name(i)
            shp = tuple(self.engine.get_tensor_shape(name))
            tdt = {trt.float32: torch.float32, trt.float16: torch.float16,
                   trt.uint8: torch.uint8}[self.engine.get_tensor_dtype(name)]
            buf = torch.empty(shp, dtype=tdt, device=device)
            self.buffers[name] = buf
            self.context.set_tensor_address(name, buf.data_ptr())
        self.static_in, self.static_out = self.buffers["latents"], self.buffers["frames"]
        self.graph = None
        self._run()  # first run outside the capture
        if cuda_graph:
            self.graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self.graph, stream=self.stream):
                self._run()

    def _run(self) -> None:
        self.context.execute_async_v3(self.stream.cuda_stream)

    def decode(self, z):
        import torch

        if tuple(z.shape) != self.shape:
            raise ValueError(f"tensorrt decoder: built for latents {self.shape}, got "
                             f"{tuple(z.shape)}")
        cur = torch.cuda.current_stream()
        self.stream.wait_stream(cur)
        with torch.cuda.stream(self.stream):
            self.static_in.copy_(z)
            if self.graph is not None:
                self.graph.replay()
            else:
                self._run()
        cur.wait_stream(self.stream)
        return self.static_out
