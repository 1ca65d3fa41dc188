"""What only a CUDA GPU can check (run by tools/gpu_check.sh on one): the CUDA-graph
decode path allocates no GPU memory per frame.  The backends' agreement with fp32
eager on the GPU is in test_decode.py (its cuda cases)."""
import copy

import numpy as np
import pytest
import torch

from vj.decode import make_decoder

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="needs a CUDA GPU (tools/gpu_check.sh runs these on one)")


def test_cuda_graph_frames_allocate_no_gpu_memory():
    from vj.decode.torch_backend import LatentFrames
    from vj.generate.tiny import tiny_decoder_pipeline

    movq = copy.deepcopy(tiny_decoder_pipeline().movq.eval())
    z = torch.randn((4, 4, 32, 32), generator=torch.Generator().manual_seed(6))
    dec = make_decoder("compile", movq.to("cuda", torch.float16), "cuda", torch.float16,
                       (1, 4, 32, 32))
    assert dec.graph is not None
    frames = LatentFrames(z.numpy(), dec)
    for i in range(5):
        frames.frame(i, 0.3)
    torch.cuda.synchronize()
    before = torch.cuda.memory_stats()["allocation.all.allocated"]
    outs = [frames.frame(i, i / 100).copy() for i in range(100)]
    torch.cuda.synchronize()
    assert torch.cuda.memory_stats()["allocation.all.allocated"] == before
    assert not np.array_equal(outs[0], outs[50])  # the frames really change
