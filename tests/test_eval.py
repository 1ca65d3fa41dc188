"""`vj eval`, the direct synchrony measures, the hit accent and the corpus (issue 12)."""
import json

import numpy as np
import pytest

from tests.conftest import run_vj
from vj.metrics.sync import sync_measures
from vj.motion.accent import accented, hit_accent


def _onset_env(hit_times, seconds=20.0, rate=22050 / 512):
    times = np.arange(int(seconds * rate)) / rate
    env = np.full(len(times), 0.1)
    for h in hit_times:
        env[int(round(h * rate))] = 1.0
    return times, env


def test_sync_measures_see_change_on_the_hits_and_not_elsewhere():
    fps = 30.0
    hits = np.arange(1.0, 19.0, 0.5)
    times, env = _onset_env(hits)
    on_hits = np.full(599, 0.2)
    on_hits[np.round(hits * fps).astype(int) - 1] = 3.0      # frame change where hits land
    s = sync_measures(on_hits, fps, times, env)
    assert s.onsets == len(hits)
    assert s.hit_response > 5 and s.corr > 0.3 and s.near_share > 1.5 * s.near_expected
    steady = np.full(599, 0.5)                                # a steady crossfade
    s = sync_measures(steady, fps, times, env)
    assert s.hit_response == pytest.approx(1.0) and s.corr == 0.0
    late = np.full(599, 0.2)                                  # the change 0.25 s late
    late[np.round((hits + 0.25) * fps).astype(int) - 1] = 3.0
    s_late = sync_measures(late, fps, times, env)
    assert s_late.hit_response < 1.0 and s_late.near_share < s.near_share + 0.5


def test_hit_accent_is_shown_on_peaks_and_leaves_the_driver_alone():
    fps = 30
    onset = np.zeros(90)
    onset[[10, 11, 12]] = [0.5, 0.9, 0.6]      # one hit over three frames: one accent
    onset[50] = 0.3                            # too weak
    a = hit_accent(onset, fps, amount=0.2, seconds=0.2)
    assert a[10] == 0 and a[11] == pytest.approx(0.18) and a[9] == 0
    assert a[12] < a[11] and a[30] < 0.01 and a[50] < 1e-3
    k = np.zeros(90, np.int64)
    s = np.linspace(0.7, 0.95, 90)
    kk, ss = accented(k, s, a)
    assert np.allclose(kk + ss, s + a)          # shown = driven + accent
    assert kk[11] == 0 and (kk + ss)[11] == pytest.approx(s[11] + 0.18)
    assert np.allclose(accented(k, s, np.zeros(90))[1], s)   # no accent: the driver as is


@pytest.mark.slow
def test_eval_command_on_a_song(tmp_path, drum_song):
    out = tmp_path / "eval.json"
    figs = tmp_path / "figs"
    res = run_vj("eval", drum_song, "--seconds", 12, "--size", 64, "--fps", 15, "--json", out,
                 "--plot", figs, "--quiet", timeout=600)
    assert res.returncode == 0, res.stderr
    assert "1 songs: streaming vs reference energy r" in res.stdout, res.stdout
    data = json.loads(out.read_text())
    song = data["songs"][0]
    assert song["seconds"] == pytest.approx(12.0, abs=0.1)
    assert set(song["drivers"]) == {"energy", "linear", "online"}
    e, lin = song["drivers"]["energy"], song["drivers"]["linear"]
    for d in (e, lin):
        assert {"avs", "corr", "near_share", "hit_response", "visual_events",
                "record_fps"} <= set(d)
    assert e["avs"] > lin["avs"] and e["hit_response"] > lin["hit_response"]
    assert 0.5 < song["energy_corr"] <= 1.0
    assert (figs / f"{song['song']}.png").stat().st_size > 10_000


@pytest.mark.corpus
@pytest.mark.slow
def test_the_method_on_a_real_song():
    """The first corpus song (a rock song, its stems mixed), a 45 s excerpt."""
    from vj.evaluation.corpus import corpus
    from vj.evaluation.evaluate import run_eval

    songs = corpus()
    if not songs:
        pytest.skip("the corpus is not installed (make corpus)")
    rows, total = run_eval(songs[:1], size=128, progress=False)
    d = rows[0].drivers
    print(f"\n{rows[0].song}: {d['energy']['avs']:.3f} vs {d['linear']['avs']:.3f}, hit "
          f"response {d['energy']['hit_response']:.2f}, streaming r {rows[0].energy_corr:.3f}")
    assert d["energy"]["avs"] >= d["linear"]["avs"] + 0.1
    assert d["energy"]["hit_response"] > d["linear"]["hit_response"]
    assert d["linear"]["hit_response"] == pytest.approx(1.0, abs=0.2)   # blind to the music


@pytest.mark.corpus
@pytest.mark.slow
def test_live_energy_follows_the_reference_on_an_orchestral_track():
    """drascula-track11 (the score, no drums for long stretches): the live engine,
    having heard the song from its start, follows the offline reference more closely
    than the causal median over the last 31 frames and than the first 2026-12-01 live
    settings (no sustain, no pooled decay, releasing peak), docs/energy.md."""
    from vj.audio.streaming import LIVE_PARAMS
    from vj.evaluation.corpus import corpus
    from vj.evaluation.evaluate import streaming_corr

    songs = [s for s in corpus() if s.name == "drascula-track11"]
    if not songs:
        pytest.skip("the corpus is not installed (make corpus)")
    y = songs[0].load(LIVE_PARAMS.sr)
    n = int(45 * LIVE_PARAMS.sr)
    start = (len(y) - n) // 2
    lead, x = y[:start], y[start:start + n]
    r = {name: streaming_corr(x, lead, p) for name, p in (
        ("live", LIVE_PARAMS),
        ("first", LIVE_PARAMS.with_(sustain=0.0, decay_bins=0, peak_window=None,
                                    cross_floor_db=10.0)),
        ("causal", LIVE_PARAMS.with_(lookahead=0, extrapolate=False, sustain=0.0,
                                     decay_bins=0)))}
    print("\ndrascula-track11 streaming r: " + ", ".join(f"{k} {v:.3f}" for k, v in r.items()))
    assert r["live"] > r["first"] + 0.03 and r["live"] > r["causal"] + 0.03
