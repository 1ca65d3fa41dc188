"""The live energy's running normalisation (vj/audio/normalise.py) and the live
engine's extrapolation of the frames it has not heard yet."""
import math

import numpy as np
import pytest

import vj.audio.normalise
from vj.audio.energy import full_scale_power
from vj.audio.normalise import Follower, PartNormaliser
from vj.audio.streaming import LIVE_PARAMS, StreamingEnergy
from vj.audio.synth import drum_and_chords


def test_windowed_peak_keeps_the_gain_until_the_loud_passage_is_out_of_the_window():
    f = Follower(decay=0.999, window_blocks=3, block_hops=10)
    f(0.0)
    f(10.0)                                   # a loud hit, then quieter music, 0 and 2
    got = [f(x) for x in (0.0, 2.0) * 30][1::2]
    # the same value gets the same scaled value while the hit is in the window ...
    assert got[0] == pytest.approx(0.2, rel=1e-2)
    assert all(g == pytest.approx(got[0], rel=1e-12) for g in got[:9])
    # ... and once the hit's block has left it (3 blocks of 10), 2.0 is the peak
    assert got[-1] == pytest.approx(1.0)


def test_exponential_peak_releases_at_once():
    f = Follower(decay=0.9)
    f(0.0)
    f(10.0)
    got = [f(x) for x in (0.0, 2.0) * 5][1::2]
    assert all(b > a for a, b in zip(got, got[1:]))   # the gain rises after every value


@pytest.mark.parametrize("blocks", [0, 4])
def test_the_span_never_falls_below_min_peak(blocks):
    f = Follower(decay=0.99, window_blocks=blocks, block_hops=5)
    vals = [f(x, min_peak=8.0) for x in (0.0, 1.0, 2.0, 1.0) * 10]
    assert max(vals) <= 2.0 / 8.0 + 1e-9 and max(vals) > 0.1
    assert Follower(decay=0.99, window_blocks=blocks, block_hops=5)(0.0) == 0.0


def test_follower_state_is_bounded():
    f = Follower(decay=0.999, window_blocks=30, block_hops=86)
    for i in range(20_000):
        f(float(i % 100))
    assert len(f._ring) == 30


def _extrapolated_window(p, newest_frames):
    """Feed the engine's magnitude history directly and return the median's window."""
    eng = StreamingEnergy(p)
    Kn, L = eng._known, p.lookahead
    for j, col in enumerate(newest_frames):
        eng._hist[:, j % Kn] = col
    newest = (len(newest_frames) - 1) % Kn
    eng._extrapolate(newest, eng._hist[:, (newest - L) % Kn])
    return eng._scratch, Kn


def test_unheard_frames_settle_to_the_sustain_not_to_silence():
    p = LIVE_PARAMS.with_(decay_bins=0)
    F = p.n_fft // 2 + 1
    Kn = p.kernel_harmonic // 2 + 1 + p.lookahead
    frames = [np.ones(F, np.float32)] * (Kn - p.lookahead - 1)
    # a hit: 8 at the reported frame, falling by 0.8 every frame over the look-ahead
    frames += [np.full(F, 8.0 * 0.8 ** j, np.float32) for j in range(p.lookahead + 1)]
    w, Kn = _extrapolated_window(p, frames)
    last = 8.0 * 0.8 ** p.lookahead
    extra = w[0, Kn:]
    np.testing.assert_allclose(extra[:2], [last * 0.8, last * 0.64], rtol=1e-5)
    assert extra.min() == pytest.approx(p.sustain * last, rel=1e-5)
    w0, _ = _extrapolated_window(p.with_(sustain=0.0), frames)
    assert w0[0, Kn:].min() < 0.1 * last             # without it, the decay goes on


def test_a_bin_decays_at_the_rate_of_the_bins_around_it():
    p = LIVE_PARAMS.with_(sustain=0.0)
    F = p.n_fft // 2 + 1
    Kn = p.kernel_harmonic // 2 + 1 + p.lookahead
    frames = [np.ones(F, np.float32)] * (Kn - p.lookahead - 1)
    steady = np.ones(F, np.float32)
    for j in range(p.lookahead + 1):            # every bin holds but bin 100 drops out
        col = steady.copy()
        col[100] = 0.5 ** j
        frames.append(col)
    w, Kn = _extrapolated_window(p, frames)
    rate = w[100, Kn + 1] / w[100, Kn]
    width = 2 * p.decay_bins + 1
    expected = math.exp(math.log(0.5) / width)   # one bin's fall spread over its neighbours
    assert rate == pytest.approx(expected, rel=1e-4)
    assert w[110, Kn:].min() == pytest.approx(1.0, rel=1e-5)   # far bins keep holding


def test_the_engine_normalises_its_parts_with_the_part_normaliser():
    """tools/normaliser_study.py renormalises the engine's raw powers with other peak
    windows: that is only sound if the engine's own normalisation is exactly this."""
    y = drum_and_chords(sr=LIVE_PARAMS.sr, duration=12.0)
    st = StreamingEnergy(LIVE_PARAMS).run(y)
    norm = PartNormaliser(LIVE_PARAMS, full_scale_power(LIVE_PARAMS))
    got = np.array([norm(float(a), float(b)) for a, b in zip(st.raw_percussive,
                                                               st.raw_harmonic)])
    assert st.percussive.max() == pytest.approx(1.0) and st.harmonic.max() > 0.5
    np.testing.assert_allclose(got[:, 0], st.percussive, atol=1e-6)
    np.testing.assert_allclose(got[:, 1], st.harmonic, atol=1e-6)


def test_a_loud_hit_sets_the_gain_for_the_whole_peak_window_then_is_forgotten():
    p = LIVE_PARAMS
    per_s = round(p.sr / p.hop)                     # hops per second
    norm = PartNormaliser(p, full_scale=1.0)
    norm(1.0, 0.0)                                  # one loud hit, then a quieter beat
    got = [norm(0.25 * (i % 2), 0.0)[0] for i in range(int((p.peak_window + 5) * per_s))]
    beats = np.array(got[1::2])
    early, late = beats[:int((p.peak_window - 2) * per_s) // 2], beats[-per_s:]
    assert early == pytest.approx(0.25, rel=1e-3)   # the hit still sets the gain
    assert late == pytest.approx(1.0)               # out of the window: the beat is the peak


def test_normalise_examples_run():
    import doctest

    res = doctest.testmod(vj.audio.normalise)
    assert res.attempted >= 3 and res.failed == 0
