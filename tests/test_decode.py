"""Decoder backends with the tiny MoVQ: on the CPU, and on a CUDA GPU where there is
one (skipped otherwise; tools/gpu_check.sh runs them there, and `vj bench decode`
prints PSNR against fp32 eager with the real architecture)."""
import copy

import numpy as np
import pytest
import torch

from tests.conftest import run_vj
from vj.decode import best_decoder, make_decoder
from vj.decode.base import movq_module, psnr
from vj.decode.image import ImageDecoder
from vj.decode.tensorrt_backend import BackendUnavailable, engine_key, engine_path


@pytest.fixture(scope="module")
def movq():
    from vj.generate.tiny import tiny_decoder_pipeline

    return tiny_decoder_pipeline().movq.eval()


@pytest.fixture(scope="module")
def reference(movq):
    ref = movq_module(movq)
    z = torch.randn((1, 4, 32, 32), generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        return z, ref(z).numpy()


CUDA = pytest.mark.skipif(not torch.cuda.is_available(),
                          reason="needs a CUDA GPU (tools/gpu_check.sh runs these on one)")


def _decoder(backend, movq, device, shape):
    """fp32 on the CPU; fp16 on a GPU, from a copy (the fixture stays fp32 on the CPU)."""
    if device == "cpu":
        return make_decoder(backend, movq, "cpu", torch.float32, shape)
    return make_decoder(backend, copy.deepcopy(movq), device, torch.float16, shape)


@pytest.mark.parametrize("backend, device", [
    ("torch", "cpu"), ("onnx", "cpu"), ("compile", "cpu"),
    pytest.param("torch", "cuda", marks=CUDA), pytest.param("compile", "cuda", marks=CUDA)])
@pytest.mark.slow
def test_backend_agrees_with_fp32_eager(backend, device, movq, reference):
    z, ref = reference
    dec = _decoder(backend, movq, device, tuple(z.shape))
    out = dec.decode(z.to(device, dec.dtype)).cpu().numpy()
    assert out.dtype == np.uint8 and out.shape == (1, 64, 64, 3)
    assert psnr(out, ref) >= 40.0


@pytest.mark.parametrize("device, backends", [
    ("cpu", ("torch", "onnx")), pytest.param("cuda", ("torch", "compile"), marks=CUDA)])
def test_backends_agree_on_real_bank_latents(device, backends, kandinsky, art, movq):
    from vj.generate.kandinsky import PrepareSettings, make_bank

    bank, _ = make_bank(kandinsky, [art], "style", PrepareSettings(size=64, keyframes=2, steps=2,
                        prior_steps=2), genre=None, mood=None, style_source="t", progress=False)
    bank_movq = kandinsky.decoder.movq.float().eval()
    z = torch.from_numpy(bank.frames[:1])
    with torch.inference_mode():
        ref = movq_module(bank_movq)(z).numpy()
    for backend in backends:
        dec = _decoder(backend, bank_movq, device, tuple(z.shape))
        out = dec.decode(z.to(device, dec.dtype))
        assert psnr(out.cpu().numpy(), ref) >= 40.0, backend


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_latent_frames_decode_the_slerp_into_one_buffer(backend, movq):
    from vj.decode.torch_backend import LatentFrames
    from vj.motion.slerp import slerp

    z = torch.randn((3, 4, 32, 32), generator=torch.Generator().manual_seed(6))
    dec = make_decoder(backend, movq, "cpu", torch.float32, (1, 4, 32, 32))
    frames = LatentFrames(z.numpy(), dec)
    ref = movq_module(movq)
    for k, s in ((0, 0.0), (1, 0.4), (2, 0.9), (5, 1.0)):
        out = frames.frame(k, s)
        with torch.inference_mode():
            expect = ref(slerp(z[k % 3], z[(k + 1) % 3], s)[None])[0].numpy()
        assert out is frames.frame(k, s) and out.shape == (64, 64, 3)
        assert psnr(out, expect) >= 40.0, (k, s)
    assert psnr(frames.batch([1, 2], [0.4, 0.9])[0], frames.frame(1, 0.4)) >= 40.0


def test_latent_frames_batch_longer_than_the_fixed_batch(movq):
    from vj.decode.torch_backend import LatentFrames

    z = torch.randn((3, 4, 32, 32), generator=torch.Generator().manual_seed(7))
    frames = LatentFrames(z.numpy(), make_decoder("onnx", movq, "cpu", torch.float32,
                                                  (2, 4, 32, 32)))
    ks, ss = [0, 1, 2, 0, 1], [0.1, 0.5, 0.9, 1.0, 0.0]
    out = frames.batch(ks, ss)  # chunks of 2, 2 and 1 (padded)
    assert out.shape == (5, 64, 64, 3)
    for i, (k, s) in enumerate(zip(ks, ss)):
        assert psnr(out[i], frames.frame(k, s)) >= 40.0, i


def test_onnx_export_is_valid_and_cached(movq, tmp_path):
    import onnx

    from vj.decode.onnx_backend import export_onnx

    p = export_onnx(movq, (1, 4, 16, 16))
    onnx.checker.check_model(str(p))
    m = onnx.load(str(p))
    assert [i.name for i in m.graph.input] == ["latents"]
    assert [o.name for o in m.graph.output] == ["frames"]
    mtime = p.stat().st_mtime
    assert export_onnx(movq, (1, 4, 16, 16)) == p and p.stat().st_mtime == mtime  # reused


def test_image_decoder_endpoints_and_midpoint():
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    d = ImageDecoder(imgs)
    assert np.array_equal(d.frame(0, 0.0), imgs[0])
    assert np.array_equal(d.frame(0, 1.0), imgs[1])
    assert np.array_equal(d.frame(2, 1.0), imgs[0])  # wraps around
    mid = (imgs[1].astype(np.float32) + imgs[2]) / 2
    assert np.abs(d.frame(1, 0.5).astype(int) - mid).max() <= 0.5 + 1e-6
    assert psnr(d.frame(1, 0.25), np.round(0.75 * imgs[1] + 0.25 * imgs[2])) >= 40.0


def test_engine_cache_keys():
    base = ("NVIDIA H100 80GB HBM3", "10.7.0", "abc123", (1, 4, 64, 64), "fp16")
    k = engine_key(*base)
    assert k == engine_key(*base)
    for i, other in enumerate(["NVIDIA A100", "10.8.0", "abc124", (1, 4, 96, 96), "fp32"]):
        changed = list(base)
        changed[i] = other
        assert engine_key(*changed) != k
    assert engine_path(k).name == f"movq-{k}.plan"


def test_tensorrt_missing_falls_back_with_a_message(movq, reference, caplog):
    z, ref = reference
    with pytest.raises(BackendUnavailable) as e:
        make_decoder("tensorrt", movq, "cpu", torch.float32, tuple(z.shape))
    assert "TensorRT" in str(e.value)
    dec = best_decoder("tensorrt", movq, "cpu", torch.float32, tuple(z.shape))
    assert dec.name in ("onnx", "torch")
    assert any("instead" in r.message and "tensorrt" in r.message for r in caplog.records)
    assert psnr(dec.decode(z).cpu().numpy(), ref) >= 40.0


def test_auto_picks_onnx_on_the_cpu(movq, reference):
    z, _ = reference
    assert best_decoder("auto", movq, "cpu", torch.float32, tuple(z.shape)).name == "onnx"


@pytest.mark.slow
def test_bench_decode_prints_the_table():
    res = run_vj("bench", "decode", "--tiny", "--size", 64, "--frames", 10, "--backend", "torch",
                 "onnx", "tensorrt", "--device", "cpu")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    torch_row = next(line for line in lines if line.startswith("torch"))
    onnx_row = next(line for line in lines if line.startswith("onnx"))
    assert "1.00x" in torch_row and float(onnx_row.split()[3]) > 0
    assert "not run: TensorRT is not installed" in res.stdout


@pytest.mark.parametrize("rewrites", [("spatial_norm",), ("upsample",), ("attention",),
                                      ("spatial_norm", "group_norm"), "all"])
def test_restructured_decoder_computes_the_same_function(rewrites, movq):
    """Each rewrite of vj.decode.restructure is an identity: fp32 results agree with the
    unmodified decoder to rounding, on fresh random latents and non-trivial biases."""
    from vj.decode.restructure import REWRITES, restructure

    m = copy.deepcopy(movq)
    gen = torch.Generator().manual_seed(11)
    with torch.no_grad():
        for p in m.parameters():
            if p.dim() == 1:  # norms and biases away from 1 and 0
                p.add_(torch.randn(p.shape, generator=gen) * 0.2)
    rewrites = REWRITES if rewrites == "all" else rewrites
    fast, replaced = restructure(m, rewrites)
    assert replaced > 0
    z = torch.randn((2, 4, 12, 20), generator=gen)  # not square, batch 2
    with torch.inference_mode():
        ref = movq_module(m)(z).numpy()
        out = movq_module(fast)(z).numpy()
        a = m.decode(z, force_not_quantize=True).sample
        b = fast.decode(z, force_not_quantize=True).sample
    rel = float((a - b).norm() / a.norm())
    assert rel < 1e-5, rel
    assert np.abs(ref.astype(int) - out.astype(int)).max() <= 1  # uint8 rounding at most


def test_restructure_leaves_the_original_alone_and_removes_work():
    from torch.utils.flop_counter import FlopCounterMode

    from vj.decode.restructure import restructure
    from vj.generate.tiny import tiny_decoder_pipeline

    m = tiny_decoder_pipeline().movq.eval()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    restructure(m)
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())
    with pytest.raises(ValueError, match="unknown rewrites"):
        restructure(m, ("nope",))

    def flops(model):
        z = torch.zeros((1, 4, 32, 32))
        with torch.inference_mode(), FlopCounterMode(display=False) as fc:
            movq_module(model)(z)
        return fc.get_total_flops()

    # the two rewrites that change the arithmetic (torch's flop counter does not count
    # the CPU flash kernel behind scaled_dot_product_attention, so attention is left out)
    assert flops(restructure(m, ("spatial_norm", "upsample"))[0]) < 0.95 * flops(m)
