"""Synchrony against a null (vj.metrics.null): a video scored against its own audio
and against circular shifts of it."""
import json

import numpy as np
import pytest

from tests.conftest import run_vj
from vj.metrics.null import MIN_SHIFT, null_stat, shifts_for


def test_shifts_are_spread_at_least_two_seconds_from_zero_the_end_and_each_other():
    s = shifts_for(45.0, 10)
    assert len(s) == 10 and s[0] >= MIN_SHIFT and s[-1] <= 45.0 - MIN_SHIFT
    assert np.diff(s).min() >= MIN_SHIFT
    short = shifts_for(9.0, 10)                 # only as many as fit
    assert len(short) == 3 and np.diff(short).min() >= MIN_SHIFT
    assert len(shifts_for(3.0, 10)) == 0 and len(shifts_for(30.0, 0)) == 0


def test_null_statistics():
    s = null_stat(0.8, [0.2, 0.4, 0.6, 0.8])
    assert s.mean == pytest.approx(0.5) and s.margin == pytest.approx(0.3)
    assert s.p == pytest.approx(0.25)                 # a shift that ties own counts
    assert s.p95 == pytest.approx(0.77)               # numpy's interpolated percentile
    assert not null_stat(0.7, [0.2, 0.4, 0.6, 0.8]).beats_p95
    assert null_stat(0.9, [0.1] * 10).beats_p95 and null_stat(0.9, []).shifts == 0


def irregular_song(path, duration=30.0, sr=44100, seed=4):
    """Kick-like hits at irregular times (0.45-1.5 s apart): a song whose shifted self
    does not line up with it by accident, as a steady loop would."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    hits = np.cumsum(rng.uniform(0.45, 1.5, 100)) + 0.5
    hits = hits[hits < duration - 0.5]
    y = 0.01 * rng.standard_normal(int(duration * sr))
    t = np.arange(int(0.25 * sr)) / sr
    kick = np.sin(2 * np.pi * 60 * t) * np.exp(-t * 18)
    for h in hits:
        i = int(h * sr)
        y[i:i + len(kick)] += 0.8 * kick[: len(y) - i]
    sf.write(path, y.astype(np.float32), sr)
    return hits


def cut_video(path, song, cuts, duration, fps=30):
    from vj.generate.artwork import artwork
    from vj.record.video import VideoWriter

    imgs = [np.asarray(artwork(seed=s, size=96)) for s in (1, 2)]
    with VideoWriter(path, 96, 96, fps, song=str(song), duration=duration) as vw:
        for i in range(int(round(duration * fps))):
            vw.write(imgs[int(np.searchsorted(cuts, i / fps, side="right")) % 2])


@pytest.mark.slow
def test_a_video_on_its_onsets_beats_its_null_and_a_random_one_does_not(tmp_path):
    song = tmp_path / "song.wav"
    hits = irregular_song(song)
    rng = np.random.default_rng(11)
    random_cuts = np.sort(rng.uniform(0.5, 29.5, len(hits)))
    out = {}
    for name, cuts in (("synced", hits), ("random", random_cuts)):
        video = tmp_path / f"{name}.mp4"
        cut_video(video, song, cuts, 30.0)
        js = tmp_path / f"{name}.json"
        r = run_vj("avs", video, "--null", 10, "--json", js, "--quiet")
        assert r.returncode == 0, r.stderr
        assert "circular shifts of its own audio" in r.stdout
        out[name] = json.loads(js.read_text())["null"]
        print(f"\n{name}: " + "; ".join(f"{k} {v['own']:.3f} vs p95 {v['p95']:.3f}"
                                        for k, v in out[name].items() if k != "shifts"))
    assert len(out["synced"]["shifts"]) == 10
    for m in ("avs", "corr", "near_share", "hit_response"):
        assert out["synced"][m]["beats_p95"] and out["synced"][m]["p"] == 0.0, m
    # the headline score; one random video may beat a null by chance on some measure
    # (5 % each by construction): how often, over many, is the next test
    assert not out["random"]["avs"]["beats_p95"]


def test_the_null_is_calibrated_random_videos_rarely_beat_it_synced_ones_always():
    """Over 30 random videos, each measure beats its null's 95th percentile on few of
    them (about 5 % expected, at most 20 % allowed for 30 draws); videos whose changes
    sit on the onsets (one frame of jitter) beat it on nearly all."""
    from vj.metrics.avs import AVSParams, beat_events, onset_envelope
    from vj.metrics.null import MEASURES, against_null
    from vj.metrics.sync import strong_onsets

    p, fps, dur = AVSParams(), 30, 30.0
    import tempfile
    from pathlib import Path

    from vj.audio.sources import load

    with tempfile.TemporaryDirectory() as d:
        irregular_song(Path(d) / "s.wav", duration=dur)
        y = load(Path(d) / "s.wav", sr=p.sr)
    times, env = onset_envelope(y, p)
    a_ev, ons = beat_events(times, env, p), strong_onsets(times, env)
    n = int(dur * fps) - 1
    rng = np.random.default_rng(2)
    beats = {"random": {m: 0 for m in MEASURES}, "synced": {m: 0 for m in MEASURES}}
    for _ in range(30):
        for kind in beats:
            d = 0.3 + 0.1 * rng.random(n)
            at = ons if kind == "synced" else rng.uniform(0.5, dur - 0.5, len(ons))
            for t in at:
                i = int(round(t * fps)) - 1 + (int(rng.integers(-1, 2)) if kind == "synced" else 0)
                if 0 <= i < n:
                    d[i] += 6.0
            r = against_null(a_ev, times, env, d, fps, p)
            for m in MEASURES:
                beats[kind][m] += r[m].beats_p95
    print(f"\nof 30: {beats}")
    for m in MEASURES:
        assert beats["random"][m] <= 6, (m, beats)
        assert beats["synced"][m] >= 27, (m, beats)
