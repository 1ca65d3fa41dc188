import itertools

import numpy as np
import pytest

from tests.conftest import one_line_error, run_vj
from vj.metrics.avs import AVSParams, audio_events, dtw, score, visual_events
from vj.metrics.avs_files import avs_of_video


def _brute_dtw(a, b):
    """Reference DTW by recursion over all monotone paths (tiny inputs only)."""
    from functools import lru_cache

    @lru_cache(None)
    def d(i, j):
        c = abs(a[i] - b[j])
        if i == 0 and j == 0:
            return c
        opts = []
        if i > 0:
            opts.append(d(i - 1, j))
        if j > 0:
            opts.append(d(i, j - 1))
        if i > 0 and j > 0:
            opts.append(d(i - 1, j - 1))
        return c + min(opts)

    return d(len(a) - 1, len(b) - 1)


def test_dtw_is_exact():
    rng = np.random.default_rng(0)
    for n, m in itertools.product((1, 2, 5), (1, 3, 6)):
        a, b = np.sort(rng.uniform(0, 10, n)), np.sort(rng.uniform(0, 10, m))
        dist, path = dtw(a, b)
        assert dist == pytest.approx(_brute_dtw(tuple(a), tuple(b)))
        assert path[0] == (0, 0) and path[-1] == (n - 1, m - 1)
        assert dist == pytest.approx(sum(abs(a[i] - b[j]) for i, j in path))


def test_score_formula():
    p = AVSParams()
    audio = np.array([1.0, 2.0, 3.0])
    visual = audio + 0.1
    diff = np.zeros(120)
    diff[[29, 59, 89]] = 0.5
    r = score(audio, visual, diff, 30.0, p)
    assert r.mean_offset == pytest.approx(0.1)
    assert r.consistency == pytest.approx(1 / 1.1)
    assert r.avs == pytest.approx(r.consistency * r.motion)
    assert score(audio, np.zeros(0), diff, 30.0, p).avs == 0.0


def test_dtw_in_a_window_is_exact_when_the_alignment_fits_and_memory_is_linear():
    import tracemalloc

    rng = np.random.default_rng(1)
    for n, m in itertools.product((1, 4, 9), (2, 7)):
        a, b = np.sort(rng.uniform(0, 6, n)), np.sort(rng.uniform(0, 6, m))
        assert dtw(a, b, window=6.0)[0] == pytest.approx(_brute_dtw(tuple(a), tuple(b)))
    # an hour of beats at 2 per second against a jittered copy: a full matrix would take
    # 7200 x 7200 x 8 bytes = 415 MB
    a = np.cumsum(rng.uniform(0.4, 0.6, 7200))
    b = np.sort(a + rng.normal(0, 0.03, len(a)))
    tracemalloc.start()
    dist, path = dtw(a, b)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20e6, peak
    assert dist / len(path) < 0.05 and path[0] == (0, 0) and path[-1] == (7199, 7199)


def test_peak_events_ignore_noise_and_steady_change_but_catch_small_hits():
    rng = np.random.default_rng(2)
    fps, n = 30.0, 600
    noise = np.abs(rng.normal(0.3, 0.05, n))          # codec noise on a still picture
    assert len(visual_events(noise, fps, AVSParams())) == 0
    steady = noise + 4.0                              # a slow, steady crossfade
    assert len(visual_events(steady, fps, AVSParams())) == 0
    hits = noise.copy()
    at = np.arange(45, n - 10, 15)                   # a small hit every half second
    hits[at] += 1.5
    ev = visual_events(hits, fps, AVSParams())
    np.testing.assert_allclose(ev, (at + 1) / fps)
    # the same hits on top of a steady crossfade still count
    np.testing.assert_allclose(visual_events(steady + hits - noise, fps, AVSParams()),
                               (at + 1) / fps)
    # and the method's threshold sees none of them (1.5 levels is far below 12.7 %)
    assert AVSParams.paper().curve == "fraction"


def test_visual_events_respect_threshold_and_gap():
    p = AVSParams.paper(change_threshold=0.1)
    diff = np.zeros(300)
    diff[[10, 20, 60, 100]] = 0.5  # frames 11, 21, 61, 101 at 30 fps
    ev = visual_events(diff, 30.0, p)
    np.testing.assert_allclose(ev, [11 / 30, 61 / 30, 101 / 30])


def test_silence_and_tiny_audio_have_no_events():
    assert len(audio_events(np.zeros(22050 * 3, np.float32))) == 0
    assert len(audio_events(np.zeros(100, np.float32))) == 0


@pytest.fixture(scope="module")
def drum_videos(tmp_path_factory, drum_song, art_bank):
    from vj.record.render import record

    d = tmp_path_factory.mktemp("avs")
    out = {}
    for interp in ("energy", "linear"):
        out[interp] = d / f"{interp}.mp4"
        record(str(drum_song), str(art_bank), str(out[interp]), interp=interp, segment=10,
               progress=False)
    return out


@pytest.mark.slow
def test_energy_driver_beats_linear_driver(drum_videos):
    e = avs_of_video(str(drum_videos["energy"]))
    lin = avs_of_video(str(drum_videos["linear"]))
    print(f"\nAVS energy {e.avs:.3f} vs linear {lin.avs:.3f}")
    assert e.avs > lin.avs + 0.2
    assert e.consistency > lin.consistency


def _cut_video(path, song, cut_times, duration, fps=30):
    from vj.generate.artwork import artwork
    from vj.record.video import VideoWriter

    imgs = [np.asarray(artwork(seed=s, size=96)) for s in (1, 2)]
    frames = int(round(duration * fps))
    with VideoWriter(path, 96, 96, fps, song=str(song), duration=duration) as vw:
        for i in range(frames):
            k = int(np.searchsorted(cut_times, i / fps, side="right"))
            vw.write(imgs[k % 2])


def test_static_video_scores_near_zero(tmp_path, drum_song):
    _cut_video(tmp_path / "static.mp4", drum_song, np.array([]), 12.0)
    r = avs_of_video(str(tmp_path / "static.mp4"))
    assert r.avs < 0.02


def test_cuts_on_the_onsets_beat_cuts_half_a_beat_late(tmp_path):
    import soundfile as sf

    from vj.audio.sources import load
    from vj.audio.synth import drum_pattern

    # 50 BPM kick and snare: beats 1.2 s apart, more than the 1 s minimum gap between
    # visual events, so every beat can have its cut
    y, hits = drum_pattern(sr=44100, duration=20.0, bpm=50, hats=False, start=0.5)
    song = tmp_path / "slow.wav"
    sf.write(song, y, 44100)
    beats = audio_events(load(song))
    assert len(beats) >= 12
    assert np.min(np.abs(beats[:, None] - hits[None, :]), axis=1).max() < 0.05
    on, late = tmp_path / "on.mp4", tmp_path / "late.mp4"
    _cut_video(on, song, beats, 20.0)
    _cut_video(late, song, beats + 0.6, 20.0)  # half a beat later
    r_on, r_late = avs_of_video(str(on)), avs_of_video(str(late))
    print(f"\nAVS cuts on the beat {r_on.avs:.3f}, half a beat late {r_late.avs:.3f}")
    assert r_on.avs > r_late.avs
    assert r_on.mean_offset < r_late.mean_offset


def test_avs_cli_and_plot(tmp_path, drum_videos):
    png = tmp_path / "avs.png"
    res = run_vj("avs", drum_videos["energy"], "--plot", png, "--quiet")
    assert res.returncode == 0, res.stderr
    assert "AVS " in res.stdout and "without the motion term" in res.stdout
    from PIL import Image

    with Image.open(png) as im:
        assert im.format == "PNG" and im.size[0] > 600


@pytest.mark.slow
def test_compare_prints_both_drivers(tmp_path, drum_song, art_bank):
    res = run_vj("avs", "--compare", drum_song, "--bank", art_bank, "--quiet", "--fps", 15,
                 "--size", 64)
    assert res.returncode == 0, res.stderr
    row = [line for line in res.stdout.splitlines() if line.startswith(drum_song.name[:20])]
    energy, linear = (float(x) for x in row[0].split()[1:3])
    assert energy > linear


@pytest.mark.slow
def test_bad_videos(tmp_path, drum_song):
    from vj.generate.artwork import artwork
    from vj.record.video import VideoWriter

    one = tmp_path / "one.mp4"
    with VideoWriter(one, 64, 64, 30, song=str(drum_song), duration=1 / 30) as vw:
        vw.write(np.asarray(artwork(1, 64)))
    assert "1 frame" in one_line_error(run_vj("avs", one, "--quiet"))
    mute = tmp_path / "mute.mp4"
    with VideoWriter(mute, 64, 64, 30) as vw:
        for _ in range(30):
            vw.write(np.asarray(artwork(1, 64)))
    assert "--audio" in one_line_error(run_vj("avs", mute, "--quiet"))
    res = run_vj("avs", mute, "--audio", drum_song, "--quiet")
    assert res.returncode == 0, res.stderr
    text = tmp_path / "x.mp4"
    text.write_text("not a video")
    assert "x.mp4" in one_line_error(run_vj("avs", text, "--quiet"))
    empty = tmp_path / "empty.mp4"
    with VideoWriter(empty, 64, 64, 30, song=str(drum_song), duration=1.0):
        pass
    assert "empty.mp4" in one_line_error(run_vj("avs", empty, "--quiet"))


def test_onset_envelope_of_a_file_is_read_a_minute_at_a_time_and_equals_the_whole(tmp_path):
    """Long recordings: the file's onset envelope is computed from decoded chunks without
    holding the signal, and equals the envelope of the whole signal."""
    import soundfile as sf

    from vj.audio.sources import load
    from vj.audio.synth import drum_and_chords
    from vj.metrics.avs import beat_events, onset_envelope
    from vj.metrics.avs_files import file_onset_envelope

    p = AVSParams()
    song = tmp_path / "long.wav"
    sf.write(song, drum_and_chords(sr=22050, duration=130.0, seed=1), 22050)
    y = load(song, sr=p.sr)
    import librosa

    whole = librosa.onset.onset_strength(y=y, sr=p.sr, hop_length=p.hop)
    t1, e1 = onset_envelope(y, p)
    t2, e2 = file_onset_envelope(song, p)
    assert len(whole) == len(e1) == len(e2) == 1 + len(y) // p.hop
    np.testing.assert_allclose(e2, e1, atol=1e-5)
    # against the whole signal at once: the same up to the dB floor taken per chunk
    assert np.abs(e1 - whole).max() < 0.01 * whole.max()
    t3, e3 = file_onset_envelope(song, p, seconds=61.3)
    assert len(e3) == 1 + int(61.3 * p.sr) // p.hop
    np.testing.assert_array_equal(beat_events(t2, e2, p), audio_events(y, p))
