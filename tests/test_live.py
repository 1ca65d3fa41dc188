"""The live show, headless (EGL with Mesa on the CPU), on a synthetic click track."""
import json

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import run_vj
from vj.audio.synth import click_train
from vj.live.show import Show, ShowConfig

pytestmark = pytest.mark.slow   # every test here runs a show or a window

SR = 22050


@pytest.fixture(scope="module")
def click_song(tmp_path_factory):
    """1 s of silence, then clicks every 0.5 s (120 BPM) for 5 s."""
    y, clicks = click_train(sr=SR, duration=6.0, bpm=120.0, offset=1.0)
    p = tmp_path_factory.mktemp("clicks") / "clicks.wav"
    sf.write(p, y, SR)
    return p, clicks


def _run(banks, song, *, duration=4.5, preset="techno", **kw):
    cfg = ShowConfig(banks=[str(b) for b in banks], audio_file=str(song), headless=True,
                     size=(160, 120), osc=False, preset=preset, duration=duration, **kw)
    show = Show(cfg, probe=True)
    summary = show.run()
    return show, summary


def _click_walls(show, clicks):
    """Wall times (s since the loop started) at which each click was fed."""
    return np.array([show.feeder.wall_of(int(c * SR)) - show.t0 for c in clicks])


def _check_flashes_on_clicks(show, clicks):
    t = np.array(show.log.wall)
    b = np.array(show.log.brightness)
    hits = 0
    for c in _click_walls(show, clicks):
        if c + 0.12 > t[-1] or c - 0.3 < t[0]:
            continue
        before = b[(t > c - 0.25) & (t < c - 0.02)]
        after = b[(t >= c) & (t < c + 0.12)]
        assert len(before) and len(after)
        if after.max() > before.mean() + 20:  # a flash of at least 20 levels
            hits += 1
    return hits


@pytest.mark.parametrize("kind", ["image", "latent"])
def test_headless_show_flashes_on_the_clicks(kind, click_song, art_bank, latent_bank):
    song, clicks = click_song
    bank = art_bank if kind == "image" else latent_bank
    show, s = _run([bank], song)
    # frames enough to tell each click's flash from the frames before it (0.5 s apart)
    assert s.frames > 8 * len(clicks), s.text()
    assert s.decoder == ("image" if kind == "image" else "onnx")  # auto on a CPU: onnxruntime
    played = [c for c in _click_walls(show, clicks) if c + 0.12 < show.log.wall[-1]]
    hits = _check_flashes_on_clicks(show, clicks)
    assert hits >= len(played) - 1, (hits, len(played))
    # and between the clicks it calms down: the brightness is not stuck high
    assert np.median(show.log.brightness) < max(show.log.brightness) - 20
    assert s.latency_ms_median > 0 and "show summary" in s.text()


def test_silence_then_clicks_moves_only_after_the_first_click(click_song, art_bank):
    song, clicks = click_song
    show, s = _run([art_bank], song, duration=3.0, preset="classical")  # no flash in classical
    t = np.array(show.log.wall)
    pos = np.array(show.log.position)
    first = _click_walls(show, clicks)[0]
    before = pos[(t > 0.2) & (t < first - 0.05)]
    after = pos[(t > first) & (t < first + 0.3)]
    assert before.max() == before.min() == 0.0  # silence: the driver stands still
    # the click moves it, gently: the running mean starts from the music heard, so the
    # first hit after a silent start is not a lurch (here about 0.001 of a transition;
    # its picture change is near the 8-bit step, so the position is what is measured)
    assert 0.0 < after.max() < 0.1, after.max()


def _bench_latency(tmp_path, *args):
    out = tmp_path / "latency.json"
    res = run_vj("bench", "latency", *args, "--seconds", 4, "--device", "cpu", "--json", out)
    assert res.returncode == 0, res.stderr
    return json.loads(out.read_text())


def test_a_click_is_on_screen_within_a_hop_and_two_frames(tmp_path):
    """`vj bench latency` (impulse to the first changed frame) on an image bank.  The
    onset comes from the newest hop (no look-ahead): a click is analysed within a hop
    and a block (11.6 + 5.8 ms), read at the next frame and drawn in it.  A flash that
    waited for the energy's 70 ms of look-ahead, or a loop a frame behind, would take
    longer than that plus two frame times."""
    r = _bench_latency(tmp_path, "--size", 128)
    assert r["model"] == "image" and r["decoder"] == "image"
    assert r["clicks"] >= 3
    frame = 1000.0 / r["fps"]          # this run's own frame period, not the machine's
    # derived from the set-up (docstring): one hop, one audio block, two frame periods
    assert 0 < r["median_ms"] <= 11.6 + 5.8 + 2 * frame, r


def test_bench_latency_on_a_latent_bank_with_its_own_model_folder(tmp_path):
    """The --model real path (random-weight MoVQ saved as the bank's model) on the tiny MoVQ."""
    r = _bench_latency(tmp_path, "--tiny", "--size", 64)
    assert (r["model"], r["size"], r["decoder"]) == ("tiny", 64, "onnx")
    assert r["clicks"] >= 2, r


def test_audio_stopping_decays_to_stillness(tmp_path, art_bank):
    y, _ = click_train(sr=SR, duration=1.0, bpm=240.0, offset=0.1)
    song = tmp_path / "short.wav"
    sf.write(song, y, SR)
    show, s = _run([art_bank], song, duration=3.0)
    t = np.array(show.log.wall)
    change = np.array(show.log.change)
    assert change[(t > 2.2)].max() < 0.5  # still again after the audio ended
    assert any("no audio" in f for f in s.faults), s.faults


def test_bad_bank_is_refused_and_the_good_one_plays(tmp_path, click_song, art_bank):
    song, _ = click_song
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text("{not json")
    show, s = _run([bad, art_bank], song, duration=1.0)
    assert s.frames > 30
    assert any("refused" in f for f in s.faults)
    assert show.state.bank == "art"  # the image bank, by its manifest name


def test_decode_failure_falls_back_to_keyframe_pictures(click_song, latent_bank, monkeypatch):
    """The decoder raising mid-show (out of memory, driver reset...): the bank's keyframe
    pictures take over and the show goes on."""
    song, clicks = click_song
    monkeypatch.setenv("VJ_CHAOS", "decode@1.0")
    cfg = ShowConfig(banks=[str(latent_bank)], audio_file=str(song), headless=True,
                     size=(160, 120), osc=False, duration=2.5)
    s = Show(cfg, probe=True).run()
    assert any(f.startswith("decode: ") and "injected fault" in f for f in s.faults), s.faults
    assert s.frames > 100  # the show went on
    assert s.decoder == "image (fallback)"


def test_live_cli_headless_prints_a_summary(click_song, art_bank):
    song, _ = click_song
    res = run_vj("live", "--bank", art_bank, "--audio-file", song, "--headless", "--duration", 2,
                 "--size", "160x120", "--no-osc")
    assert res.returncode == 0, res.stderr
    assert "show summary:" in res.stdout and "dropped" in res.stdout and "latency" in res.stdout


def test_a_hit_after_a_quiet_passage_is_a_scene_cut(tmp_path, art_bank):
    # 3.5 s of silence against the 2 s a cut needs, room for a late first frame.  With
    # 2.5 s this found no cut once in a full suite run on a loaded machine (2026-12-02;
    # alone it passed); the likelier cause, a hit missed when the analysis publishes
    # several hops between two frames, is mended and tested below
    y, clicks = click_train(sr=SR, duration=5.5, bpm=120.0, offset=3.5)
    song = tmp_path / "late.wav"
    sf.write(song, y, SR)
    show, s = _run([art_bank], song, duration=5.0, preset="classical")
    first = _click_walls(show, clicks)[0]
    assert len(show.scene_cuts) == 1  # only the first hit: the later ones are not after quiet
    assert 0 <= show.scene_cuts[0] - first < 0.1
