import math

import numpy as np
import pytest

from vj.audio.energy import EnergyParams, energy_reference
from vj.audio.streaming import LIVE_PARAMS, REFERENCE_PARAMS, StreamingEnergy
from vj.audio.synth import chord, click_train, drum_and_chords, drum_pattern
from vj.errors import ParameterError

SR = 22050
P = EnergyParams()
LIVE = LIVE_PARAMS   # the live engine's settings, as the show runs it


def steady_mix(seconds=32.0, bpm=120.0):
    """Drums all through with a four-chord progression (the correlation test's mix)."""
    d, _ = drum_pattern(sr=SR, duration=seconds, bpm=bpm)
    prog = [(57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62)]
    c = np.concatenate([chord(sr=SR, duration=4.0, notes=n, amplitude=0.35, attack=0.05,
                              release=0.1) for n in prog * int(math.ceil(seconds / 16))])
    y = d + c[: len(d)]
    return (y / np.abs(y).max() * 0.9).astype(np.float32)


@pytest.mark.parametrize("form", ["reference", "streaming"])
def test_click_train_gives_percussive_peaks_on_the_clicks(form):
    y, clicks = click_train(sr=SR, duration=8.0, bpm=120.0)
    curve = energy_reference(y, P) if form == "reference" else StreamingEnergy(LIVE).run(y)
    hop_s = P.hop / SR
    peaks = []
    for c in clicks[1:-1]:
        near = (curve.times > c - 0.25) & (curve.times < c + 0.25)
        t_peak = curve.times[near][np.argmax(curve.percussive[near])]
        assert abs(t_peak - c) <= hop_s + 1e-9, (form, c, t_peak)
        peaks.append(curve.percussive[near].max())
    # every click stands well above the floor between clicks (its height depends on
    # where it falls against the 50 %-overlapping analysis windows)
    between = np.zeros(len(curve.times), bool)
    for a, b in zip(clicks[:-1], clicks[1:]):
        between |= (curve.times > a + 0.15) & (curve.times < b - 0.15)
    floor = curve.percussive[between].max()
    assert floor < 0.02
    assert min(peaks) > 5 * floor + 0.05 and np.mean(peaks) > 0.4


@pytest.mark.parametrize("form", ["reference", "streaming"])
def test_sustained_chord_is_harmonic(form):
    y = chord(sr=SR, duration=6.0)
    curve = energy_reference(y, P) if form == "reference" else StreamingEnergy(LIVE).run(y)
    body = (curve.times > 1.5) & (curve.times < 5.0)  # past the attack and the causal warm-up
    assert curve.harmonic[body].mean() > 0.5
    # the parts are normalised separately (the method), so compare their powers
    assert np.median(curve.raw_harmonic[body]) > 3 * np.median(curve.raw_percussive[body])


@pytest.mark.parametrize("form", ["reference", "streaming"])
def test_silence_is_zero_without_nan(form):
    for y in (np.zeros(SR * 3, np.float32), np.full(SR * 3, 1e-5, np.float32),
              (np.random.default_rng(0).standard_normal(SR * 3) * 1e-6).astype(np.float32)):
        curve = energy_reference(y, P) if form == "reference" else StreamingEnergy(LIVE).run(y)
        for x in (curve.energy, curve.percussive, curve.harmonic, curve.onset):
            assert np.all(np.isfinite(x))
            assert float(np.abs(x).max()) == 0.0


def test_streaming_follows_the_reference():
    """At the live settings, against the reference at the same hop."""
    y = steady_mix(32.0)
    ref = energy_reference(y, REFERENCE_PARAMS)
    st = StreamingEnergy(LIVE).run(y)
    r = ref.at(st.times)
    corr = float(np.corrcoef(r.energy, st.energy)[0, 1])
    print(f"\nPearson correlation streaming vs reference, 32 s drum-and-chord mix: {corr:.3f}")
    assert corr >= 0.9
    # the arranged song (quiet intro, breakdown) is harder for a causal engine: report it
    y2 = drum_and_chords(sr=SR, duration=40.0)
    st2 = StreamingEnergy(LIVE).run(y2)
    r2 = energy_reference(y2, REFERENCE_PARAMS).at(st2.times)
    corr2 = float(np.corrcoef(r2.energy, st2.energy)[0, 1])
    # its chords-only intro is normalised before any drum has been heard (a cold
    # start: the running peak cannot know the drums to come); once the drums are in,
    # the engine follows the reference as on the steady mix
    on = st2.times > 10.0
    corr2_on = float(np.corrcoef(r2.energy[on], st2.energy[on])[0, 1])
    print(f"Pearson correlation on the 40 s arranged demo song: {corr2:.3f} from a cold "
          f"start, {corr2_on:.3f} after the first 10 s")
    assert corr2_on >= 0.9


def test_extrapolated_median_calls_a_held_note_harmonic_at_once():
    """A note that starts and holds: the centred median (the reference) calls it
    harmonic from its first frame; the median over the last 31 frames calls it
    percussive for half its window; the extrapolated one with 4 frames of look-ahead
    sees it hold and follows the reference.  A click that dies away stays percussive."""
    sr = SR
    y = np.zeros(sr * 4, np.float32)
    on = 2 * sr
    y[on:] = chord(sr=sr, duration=2.0, attack=0.002, release=0.0)[: len(y) - on]
    causal = LIVE.with_(lookahead=0, extrapolate=False)
    ref = energy_reference(y, REFERENCE_PARAMS)
    onset = (ref.times > 2.02) & (ref.times < 2.15)   # the first 130 ms of the note
    held = {}
    for name, p in (("causal", causal), ("extrapolated", LIVE)):
        st = StreamingEnergy(p).run(y)
        rp = np.interp(ref.times, st.times, st.raw_percussive)
        rh = np.interp(ref.times, st.times, st.raw_harmonic)
        held[name] = float(np.mean(rp[onset]) / max(np.mean(rh[onset]), 1e-12))
    ref_ratio = float(np.mean(ref.raw_percussive[onset]) / np.mean(ref.raw_harmonic[onset]))
    print(f"\npercussive/harmonic power in the note's first 130 ms: reference {ref_ratio:.3f}, "
          f"causal {held['causal']:.3g}, extrapolated {held['extrapolated']:.3f}")
    assert held["causal"] > 1.0 > 0.5 > held["extrapolated"]
    assert ref_ratio < 0.5
    yc, clicks = click_train(sr=sr, duration=4.0, bpm=120.0)
    st = StreamingEnergy(LIVE).run(yc)
    at = [np.argmin(np.abs(st.times - c)) for c in clicks[1:-1]]
    assert np.all(st.raw_percussive[at] > 3 * st.raw_harmonic[at])


@pytest.mark.parametrize("p", [P, LIVE], ids=["causal", "live"])
def test_streaming_frame_times_and_latency(p):
    eng = StreamingEnergy(p)
    f = eng.process(np.zeros(p.hop, np.float32))
    assert f.t == pytest.approx(-eng.lag_frames * p.hop / SR)
    assert eng.latency == pytest.approx((p.n_fft / 2 + p.lookahead * p.hop) / SR)


@pytest.mark.parametrize("P", [P, LIVE], ids=["causal", "live"])
def test_streaming_steady_state_allocates_no_arrays(P):
    import tracemalloc

    y = steady_mix(8.0)
    eng = StreamingEnergy(P)
    blocks = [y[i * P.hop:(i + 1) * P.hop] for i in range(len(y) // P.hop)]
    for b in blocks[:50]:
        eng.process(b)
    domain = np.lib.tracemalloc_domain
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for b in blocks[50:300]:
            eng.process(b)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    flt = [tracemalloc.DomainFilter(True, domain)]
    diffs = after.filter_traces(flt).compare_to(before.filter_traces(flt), "lineno")
    allocated = sum(d.count_diff for d in diffs if d.count_diff > 0)
    assert allocated == 0, [str(d) for d in diffs[:5]]


def test_memory_is_bounded():
    eng = StreamingEnergy(LIVE)
    sizes = sum(v.nbytes for v in vars(eng).values() if isinstance(v, np.ndarray))
    assert sizes < 2_000_000  # fixed-size state, whatever the stream length


def test_offline_analysis_in_chunks_equals_the_whole_song():
    """energy_reference separates the song a chunk at a time (flat memory for long sets);
    with enough context for the harmonic median the result is the whole-song one."""
    import librosa

    y = drum_and_chords(sr=SR, duration=12.0)
    whole = energy_reference(y, P, chunk_frames=None)
    for chunk in (40, 97):  # several chunks, boundaries anywhere
        parts = energy_reference(y, P, chunk_frames=chunk)
        for f in ("percussive", "harmonic", "energy", "onset", "times"):
            np.testing.assert_allclose(getattr(parts, f), getattr(whole, f), atol=1e-6,
                                       err_msg=f"{f}, chunk {chunk}")
    # and the whole-song path is librosa's own centred STFT + HPSS
    D = librosa.stft(y, n_fft=P.n_fft, hop_length=P.hop, center=True)
    _, D_p = librosa.decompose.hpss(D, kernel_size=(P.kernel_harmonic, P.kernel_percussive),
                                    margin=P.margin)
    mel = librosa.filters.mel(sr=P.sr, n_fft=P.n_fft, n_mels=P.n_mels)
    perc = (mel @ np.abs(D_p) ** 2).max(axis=0)
    assert len(perc) == len(whole.percussive)
    np.testing.assert_allclose(whole.raw_percussive[perc > 1e-3 * perc.max()],
                               perc[perc > 1e-3 * perc.max()], rtol=1e-4)


@pytest.mark.parametrize("p", [P, LIVE], ids=["causal", "live"])
def test_onset_strength_rises_on_clicks(p):
    y, clicks = click_train(sr=SR, duration=6.0, bpm=100.0)
    ref, st = energy_reference(y, p), StreamingEnergy(p).run(y)
    near = 2 * p.hop / SR          # the flux peaks within two hops of the click
    for curve in (ref, st):
        at = np.array([curve.onset[np.abs(curve.times - c) <= near].max() for c in clicks[1:-1]])
        assert at.mean() > 5 * max(curve.onset.mean(), 1e-6) or at.min() > 0.5
    # the live engine reports the newest frame's onset; run() puts it back at its time:
    # each click's onset peak is where the reference has it
    hop_s = p.hop / SR
    for c in clicks[1:-1]:
        peaks = [cv.times[(cv.times > c - 0.1) & (cv.times < c + 0.1)][
            np.argmax(cv.onset[(cv.times > c - 0.1) & (cv.times < c + 0.1)])] for cv in (ref, st)]
        assert abs(peaks[0] - peaks[1]) <= hop_s + 1e-9, (c, peaks)


def test_weights_and_reduce_are_parameters():
    y = steady_mix(8.0)
    only_p = energy_reference(y, P.with_(weights=(1.0, 0.0)))
    np.testing.assert_allclose(only_p.energy, only_p.percussive, atol=1e-6)
    summed = energy_reference(y, P.with_(reduce="sum"))
    assert not np.allclose(summed.percussive, only_p.percussive)


def test_parameters_are_validated():
    for bad in ({"hop": 300}, {"n_fft": 1000}, {"margin": 0.5}, {"kernel_harmonic": 30},
                {"reduce": "mean"}, {"sr": 4000}, {"sustain": 1.0}, {"decay_bins": -1},
                {"peak_window": 0.5}):
        with pytest.raises(ParameterError) as e:
            EnergyParams(**bad)
        assert next(iter(bad)) in str(e.value)
    with pytest.raises(ParameterError):
        energy_reference(np.zeros(0, np.float32))
    with pytest.raises(ParameterError):
        StreamingEnergy().process(np.zeros(100, np.float32))


def test_resampling_the_curve_interpolates():
    y = steady_mix(6.0)
    c = energy_reference(y, P)
    t = np.linspace(0, c.duration, 97)
    r = c.at(t)
    np.testing.assert_allclose(r.energy, np.interp(t, c.times, c.energy), atol=1e-6)


def test_streaming_floor_follows_the_music_after_a_silent_start():
    """The running floor rises from a silent start (it used to stay at 0 for ever)."""
    p = EnergyParams(hop=256, norm_time=5.0)
    rng = np.random.default_rng(4)
    y = np.concatenate([np.zeros(3 * p.sr, np.float32),
                        (0.3 * rng.standard_normal(20 * p.sr)).astype(np.float32)])
    eng = StreamingEnergy(p)
    eng.run(y)
    steady = eng.raw_percussive
    assert eng._norm.percussive.floor > 0.3 * steady  # near the steady noise level, not 0


def test_cross_floor_keeps_a_drumless_intro_from_being_stretched():
    """The arranged song opens with chords alone: without the cross-part floor the
    running peak stretches the intro's little percussive power to full scale before
    the drums are heard; with it the cold start follows the reference more closely."""
    y = drum_and_chords(sr=SR, duration=40.0)
    ref = energy_reference(y, REFERENCE_PARAMS)
    r, intro = {}, {}
    for cf in (LIVE.cross_floor_db, None):
        st = StreamingEnergy(LIVE.with_(cross_floor_db=cf)).run(y)
        r[cf] = float(np.corrcoef(ref.at(st.times).energy, st.energy)[0, 1])
        intro[cf] = float(st.percussive[st.times < 3.5].mean())
    print(f"\ncold start on the arranged song: r {r[LIVE.cross_floor_db]:.3f} with the cross "
          f"floor, {r[None]:.3f} without; intro P {intro[LIVE.cross_floor_db]:.3f} / "
          f"{intro[None]:.3f}")
    assert LIVE.cross_floor_db is not None
    assert r[LIVE.cross_floor_db] > r[None] and intro[LIVE.cross_floor_db] < intro[None]


def test_the_numpy_mel_filterbank_is_librosas():
    # the audio process builds its filters without librosa (a second of CPU at each
    # start); they must stay librosa's, or the live energy drifts from the reference
    import librosa

    from vj.audio.mel import mel_filters

    for sr, n_fft, n_mels in ((22050, 1024, 64), (22050, 2048, 128), (44100, 2048, 40),
                              (16000, 512, 96)):
        ref = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels)
        ours = mel_filters(sr, n_fft, n_mels)
        assert ours.shape == ref.shape and ours.dtype == np.float32
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-6 * ref.max())
