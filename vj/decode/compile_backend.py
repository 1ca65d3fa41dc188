"""The ``compile`` decoder: the restructured MoVQ (:mod:`vj.decode.restructure`, the same
function with less work) through torch.compile with static shapes, channels-last on
CUDA, and there one CUDA graph replayed per frame over preallocated input and output
buffers.  Mode "default": max-autotune took minutes per shape and was not faster
(docs/decode-notes.md)."""
from __future__ import annotations

import logging

from vj.decode.base import movq_module
from vj.decode.restructure import MEASURED, restructure

log = logging.getLogger("vj.decode")


class CompiledDecoder:
    name = "compile"

    def __init__(self, movq, device: str, dtype, shape: tuple[int, int, int, int], *,
                 mode: str = "default", channels_last: bool | None = None,
                 cuda_graph: bool = True, rewrites=MEASURED) -> None:
        import torch

        self.device, self.dtype, self.shape = device, dtype, tuple(shape)
        cuda = str(device).startswith("cuda")
        if channels_last is None:
            channels_last = cuda  # cuDNN's Hopper convolutions are NHWC
        if cuda:
            torch.backends.cudnn.benchmark = True  # pick the fastest conv algorithms once
        if rewrites:
            movq = restructure(movq, rewrites)[0]
        module = movq_module(movq.to(device, dtype))
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        module = module.to(memory_format=fmt)
        self.fn = torch.compile(module, mode=mode if cuda else None, dynamic=False,
                                fullgraph=False)
        # compiled, autotuned and captured on a latent-like input, not zeros: on the H200
        # the decoder lab's graphs captured on zeros gave wrong pictures at 512 with the
        # group-norm and attention rewrites, and right ones captured on a latent
        # (docs/decode-notes.md, 2026-12-04)
        gen = torch.Generator().manual_seed(0)
        self.static_in = torch.randn(self.shape, generator=gen).to(
            device, dtype).contiguous(memory_format=fmt)
        self.graph = None
        with torch.inference_mode():
            if cuda:
                side = torch.cuda.Stream()
                side.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(side):
                    for _ in range(3):  # compile and autotune outside the capture
                        self.static_out = self.fn(self.static_in)
                torch.cuda.current_stream().wait_stream(side)
                if cuda_graph:
                    self.graph = torch.cuda.CUDAGraph()
                    with torch.cuda.graph(self.graph):
                        self.static_out = self.fn(self.static_in)
            else:
                self.static_out = self.fn(self.static_in)
        log.info("compiled MoVQ decoder for %s on %s (%s)%s", self.shape, device,
                 str(dtype).replace("torch.", ""), " with a CUDA graph" if self.graph else "")

    def decode(self, z):
        """Latents of the compiled shape -> uint8 frames (the same output buffer each call
        with a CUDA graph: copy it before the next call if you keep it)."""
        import torch

        if tuple(z.shape) != self.shape:
            raise ValueError(f"compile decoder: built for latents {self.shape}, got "
                             f"{tuple(z.shape)}")
        with torch.inference_mode():
            self.static_in.copy_(z)
            if self.graph is not None:
                self.graph.replay()
                return self.static_out
            return self.fn(self.static_in)
