"""Checks that need a CUDA GPU (run by tools/gpu_check.sh on a GPU machine).

On a machine without one every test here is skipped with that reason; the CPU
halves of the same checks are in test_decode.py and test_motion.py.
"""
import numpy as np
import pytest
import torch

from vj.decode import make_decoder
from vj.decode.base import movq_module, psnr

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="needs a CUDA GPU (tools/gpu_check.sh runs these on one)")


@pytest.fixture(scope="module")
def movq():
    from vj.generate.tiny import tiny_decoder_pipeline

    return tiny_decoder_pipeline().movq.eval()


def _reference(movq, z):
    with torch.inference_mode():
        return movq_module(movq.float().cpu())(z.float().cpu()).numpy()


@pytest.mark.parametrize("backend", ["torch", "compile"])
def test_gpu_backends_agree_with_fp32_eager(backend, movq):
    z = torch.randn((1, 4, 32, 32), generator=torch.Generator().manual_seed(3))
    ref = _reference(movq, z)
    dec = make_decoder(backend, movq.to("cuda", torch.float16), "cuda", torch.float16,
                       tuple(z.shape))
    out = dec.decode(z.to("cuda", torch.float16)).cpu().numpy()
    assert psnr(out, ref) >= 40.0


def test_gpu_backends_agree_on_real_bank_latents(kandinsky, art, movq):
    from vj.generate.kandinsky import PrepareSettings, make_bank

    bank, _ = make_bank(kandinsky, [art], "style", PrepareSettings(size=64, keyframes=2, steps=2,
                        prior_steps=2), genre=None, mood=None, style_source="t", progress=False)
    bank_movq = kandinsky.decoder.movq.float().eval()
    z = torch.from_numpy(bank.frames[:1])
    ref = _reference(bank_movq, z)
    for backend in ("torch", "compile"):
        dec = make_decoder(backend, bank_movq.to("cuda", torch.float16), "cuda", torch.float16,
                           tuple(z.shape))
        out = dec.decode(z.to("cuda", torch.float16)).cpu().numpy()
        assert psnr(out, ref) >= 40.0, backend


def test_cuda_graph_frames_allocate_no_gpu_memory(movq):
    from vj.decode.torch_backend import LatentFrames

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
