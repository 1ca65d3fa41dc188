import math

import numpy as np
import pytest
import torch

from vj.audio.energy import EnergyParams, energy_reference
from vj.audio.streaming import StreamingEnergy
from vj.audio.synth import click_train
from vj.errors import ParameterError
from vj.motion.drivers import (
    OnlineDriver,
    beat_segments,
    energy_positions,
    fixed_segments,
    linear_positions,
)
from vj.motion.slerp import KeyframeSlerp, slerp

# -- slerp -------------------------------------------------------------------------------

def test_slerp_exact_endpoints_batched():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(3, 4, 8, 8, generator=g), torch.randn(3, 4, 8, 8, generator=g)
    assert torch.equal(slerp(a, b, 0.0), a)
    assert torch.equal(slerp(a, b, 1.0), b)
    out = slerp(a, b, torch.tensor([0.0, 0.5, 1.0]))
    assert torch.equal(out[0], a[0]) and torch.equal(out[2], b[2])
    assert out.shape == a.shape and out.dtype == a.dtype


def test_slerp_matches_the_closed_form_and_keeps_the_norm():
    a, b = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])
    for s in (0.1, 0.25, 0.5, 0.9):
        out = slerp(a, b, s)
        expect = torch.tensor([math.cos(s * math.pi / 2), math.sin(s * math.pi / 2), 0.0])
        torch.testing.assert_close(out, expect, atol=1e-6, rtol=0)
        assert abs(float(out.norm()) - 1.0) < 1e-6


def test_slerp_batch_equals_items():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(4, 16, generator=g), torch.randn(4, 16, generator=g)
    s = torch.tensor([0.1, 0.3, 0.6, 0.95])
    batch = slerp(a, b, s)
    for i in range(4):
        torch.testing.assert_close(batch[i], slerp(a[i], b[i], float(s[i])))


def test_slerp_nearly_parallel_and_opposite_are_finite_and_continuous():
    a = torch.randn(1000, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    for b in (a * 2.0, a + 1e-9, -a, -a + 1e-9, a.clone()):
        prev = None
        for s in np.linspace(0, 1, 41):
            out = slerp(a, b, float(s))
            assert torch.isfinite(out).all()
            if prev is not None:
                assert float((out - prev).norm()) <= float((b - a).norm()) / 40 * 1.6 + 1e-9
            prev = out
    # zero vectors do not produce NaN either
    z = torch.zeros(10)
    assert torch.isfinite(slerp(z, torch.ones(10), 0.3)).all()


def test_slerp_half_precision_and_shape_errors():
    a, b = torch.randn(2, 4, 4).half(), torch.randn(2, 4, 4).half()
    out = slerp(a, b, 0.5)
    assert out.dtype == torch.float16 and torch.isfinite(out).all()
    with pytest.raises(ValueError):
        slerp(a, b[:1], 0.5)
    with pytest.raises(ValueError):
        slerp(a, b, torch.tensor([0.1, 0.2, 0.3]))


def test_keyframe_slerp_matches_slerp_and_reuses_its_buffer():
    g = torch.Generator().manual_seed(4)
    z = torch.randn(4, 4, 8, 8, generator=g)
    z[2] = z[1] * 3.0  # a parallel pair: the linear fallback
    out = torch.empty(4, 8, 8, dtype=torch.float16)
    ks = KeyframeSlerp(z, out)
    for k in range(-1, 6):
        for s in (0.0, 0.2, 0.5, 0.77, 1.0, -0.3, 1.4):
            got = ks(k, s)
            assert got is out
            clipped = min(1.0, max(0.0, s))
            expect = slerp(z[k % 4], z[(k + 1) % 4], clipped).half()
            torch.testing.assert_close(got, expect, atol=2e-3, rtol=1e-3)
    # endpoints are the keyframes themselves
    assert torch.equal(ks(1, 0.0), z[1].half()) and torch.equal(ks(1, 1.0), z[2].half())
    with pytest.raises(ValueError):
        KeyframeSlerp(z, torch.empty(4, 8, 9))


def test_keyframe_slerp_allocates_nothing_per_frame():
    from torch.profiler import ProfilerActivity, profile

    z = torch.randn(3, 4, 16, 16, generator=torch.Generator().manual_seed(5))
    ks = KeyframeSlerp(z, torch.empty(4, 16, 16))
    ks(0, 0.3)
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        for i in range(50):
            ks(i, i / 50)
    allocs = [(e.name, e.cpu_memory_usage) for e in prof.events() if e.cpu_memory_usage > 0]
    assert allocs == []
    # the profiler does see an allocating slerp (the check can fail)
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        slerp(z[0], z[1], 0.3)
    assert any(e.cpu_memory_usage > 0 for e in prof.events())


# -- offline drivers ----------------------------------------------------------------------

def test_fixed_segments():
    np.testing.assert_allclose(fixed_segments(35.0, 10.0), [0, 10, 20, 30, 35])
    np.testing.assert_allclose(fixed_segments(31.0, 10.0), [0, 10, 20, 31])  # 1 s tail merged
    with pytest.raises(ParameterError):
        fixed_segments(0.0)
    np.testing.assert_allclose(beat_segments(np.arange(0, 10, 0.5), 10.0, beats=8),
                               [0, 4, 8, 10])


def test_linear_driver_is_exactly_t_over_T():
    bounds = fixed_segments(30.0, 10.0)
    t = np.arange(0, 30, 1 / 30)
    k, s = linear_positions(t, bounds)
    np.testing.assert_array_equal(k, (t // 10).astype(int))
    np.testing.assert_allclose(s, (t - 10 * k) / 10.0, rtol=0, atol=1e-12)


def _click_curve(seconds=20.0, bpm=120.0, offset=0.25):
    y, clicks = click_train(sr=22050, duration=seconds, bpm=bpm, offset=offset)
    return energy_reference(y), clicks


def test_energy_driver_is_monotone_from_0_to_1_and_moves_on_the_clicks():
    curve, clicks = _click_curve()
    bounds = fixed_segments(curve.duration, 5.0)
    t = np.arange(0, curve.duration, 1 / 60)
    k, s = energy_positions(t, curve, bounds)
    for seg in range(len(bounds) - 1):
        m = k == seg
        assert np.all(np.diff(s[m]) >= -1e-12), seg
        assert s[m][0] < 0.05
        assert s[m][-1] > 0.95
    # end of each segment reaches exactly 1
    _, s_end = energy_positions(bounds[1:-1] - 1e-9, curve, bounds)
    np.testing.assert_allclose(s_end, 1.0, atol=1e-6)
    # motion is concentrated around the clicks: frames within 60 ms of a click
    # carry most of the change although they are a small share of the time
    ds = np.abs(np.diff(s))
    ds[np.diff(k) != 0] = 0
    mid = t[:-1] + 1 / 120
    near = np.min(np.abs(mid[:, None] - clicks[None, :]), axis=1) < 0.06
    share = ds[near].sum() / ds.sum()
    assert near.mean() < 0.3 and share > 0.8, (near.mean(), share)


def test_energy_driver_silence_is_still_and_finite():
    curve = energy_reference(np.zeros(22050 * 4, np.float32))
    bounds = fixed_segments(curve.duration, 2.0)
    t = np.linspace(0, curve.duration, 100)
    k, s = energy_positions(t, curve, bounds)
    assert np.all(np.isfinite(s)) and np.all(s == 0.0)


def test_energy_driver_smooth_mixes_in_linear():
    curve, _ = _click_curve(10.0)
    bounds = fixed_segments(curve.duration, 5.0)
    t = np.linspace(0, curve.duration, 200)
    _, s0 = energy_positions(t, curve, bounds)
    _, s1 = energy_positions(t, curve, bounds, smooth=1.0)
    _, lin = linear_positions(t, bounds)
    np.testing.assert_allclose(s1, lin, atol=1e-12)
    assert not np.allclose(s0, lin)


# -- online driver ------------------------------------------------------------------------

def test_online_driver_silence_is_stillness():
    d = OnlineDriver(segment=4.0)
    for _ in range(600):
        k, s = d.step(1 / 60, 0.0)
    assert (k, s) == (0, 0.0)
    for bad in (float("nan"), float("inf"), -1.0):
        d.step(1 / 60, bad)
    assert d.position == 0.0


def test_online_driver_takes_one_segment_per_transition_on_average_and_moves_on_hits():
    y, clicks = click_train(sr=22050, duration=40.0, bpm=120.0)
    p = EnergyParams()
    curve = StreamingEnergy(p).run(y)
    d = OnlineDriver(segment=4.0)
    dt = p.hop / p.sr
    pos = []
    for e in curve.energy:
        d.step(dt, float(e))
        pos.append(d.position)
    pos = np.array(pos)
    # after the running mean has settled, ~1 keyframe per 4 s
    settled = curve.times > 10
    rate = (pos[settled][-1] - pos[settled][0]) / (curve.times[settled][-1] - curve.times[settled][0])
    assert 0.5 / 4.0 < rate < 2.0 / 4.0
    # the moves happen on the clicks
    dp = np.diff(pos)
    near = np.min(np.abs(curve.times[1:, None] - clicks[None, :]), axis=1) < 0.1
    assert dp[near].sum() > 0.7 * dp.sum()


def test_online_driver_speed_and_cut():
    a, b = OnlineDriver(segment=2.0), OnlineDriver(segment=2.0, speed=2.0)
    for i in range(200):
        e = 1.0 if i % 20 == 0 else 0.3
        a.step(0.02, e)
        b.step(0.02, e)
    assert b.position == pytest.approx(2 * a.position, rel=1e-6)
    k, s = a.cut()
    assert s == 0.0 and k == math.floor(a.position)


def _steady_groove(sr: int, seconds: float) -> np.ndarray:
    """The drums-and-chords section of the synthetic song, looped: steady music."""
    from vj.audio.synth import drum_and_chords

    y = drum_and_chords(sr=sr, duration=32.0, seed=1)[4 * sr:14 * sr]
    return np.tile(y, int(np.ceil(seconds / 10.0)))[: int(seconds * sr)]


def test_online_driver_has_no_lurch_at_the_start_nor_a_sprint_after_a_break():
    """Steady music, live energy settings, segment 10 s: 1 +- 0.3 keyframes in the first
    10 s measured from t = 0, and again in the 10 s after a 6 s break."""
    from vj.audio.streaming import LIVE_PARAMS

    p = LIVE_PARAMS
    groove = _steady_groove(p.sr, 20.0)
    y = np.concatenate([groove[: 12 * p.sr], np.zeros(6 * p.sr, np.float32), groove])
    curve = StreamingEnergy(p).run(y)
    d = OnlineDriver(segment=10.0)
    dt = p.hop / p.sr
    pos = np.array([d.step(dt, float(e)) and d.position for e in curve.energy])

    def moved(a, b):
        return pos[np.searchsorted(curve.times, b)] - pos[np.searchsorted(curve.times, a)]

    assert 0.7 <= moved(0.0, 10.0) <= 1.3
    assert moved(12.5, 18.0) < 0.01            # the break is still
    assert 0.7 <= moved(18.0, 28.0) <= 1.3     # no sprint when the music returns
