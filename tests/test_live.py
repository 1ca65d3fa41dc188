"""The live show, headless (EGL with Mesa on the CPU), on a synthetic click track."""
import numpy as np
import pytest
import soundfile as sf

from tests.conftest import run_vj
from vj.audio.synth import click_train
from vj.live.show import Show, ShowConfig

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
    assert s.frames > 150 and s.fps > 40, s.text()
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
    change = np.array(show.log.change)
    first = _click_walls(show, clicks)[0]
    still = change[(t > 0.2) & (t < first - 0.05)].max()
    moved = change[(t > first) & (t < first + 0.3)].max()
    assert still < 0.05  # silence: still
    # the click moves it (gently: the running mean starts from the music heard, so the
    # first hit after a silent start is not a lurch)
    assert moved > 0.1 and moved > 10 * still, (still, moved)


def test_audio_to_photon_latency(click_song, art_bank):
    """Impulse in, first changed frame out: at most 50 ms at 60 Hz (image decoder)."""
    song, clicks = click_song
    from vj.bench.live import impulse_latencies

    show, s = _run([art_bank], song, duration=4.0)
    lat = impulse_latencies(show.log.wall, show.log.change, _click_walls(show, clicks))
    print(f"\nimpulse-to-photon latency: median {np.median(lat):.1f} ms, max {max(lat):.1f} ms "
          f"over {len(lat)} clicks (frame period 16.7 ms)")
    assert len(lat) >= 4
    assert np.median(lat) <= 50.0


def test_bench_latency_command():
    """`vj bench latency` (what the H100 check runs, with --model real) on an image bank."""
    res = run_vj("bench", "latency", "--size", 128, "--seconds", 4, "--device", "cpu")
    assert res.returncode == 0, res.stderr
    line = res.stdout.splitlines()[-1]
    assert "image bank 128x128, decoder image" in line
    clicks = int(line.split(" over ")[1].split()[0])
    median = float(line.split(": median ")[1].split()[0])
    assert clicks >= 3 and 0 < median <= 50.0, line


def test_bench_latency_on_a_latent_bank_with_its_own_model_folder():
    """The --model real path (random-weight MoVQ saved as the bank's model) on the tiny MoVQ."""
    res = run_vj("bench", "latency", "--tiny", "--size", 64, "--seconds", 4, "--device", "cpu")
    assert res.returncode == 0, res.stderr
    line = res.stdout.splitlines()[-1]
    assert "tiny bank 64x64, decoder onnx" in line
    assert int(line.split(" over ")[1].split()[0]) >= 2, line


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


def test_shader_reload_keeps_the_old_program_on_error(tmp_path, caplog):
    import shutil

    from vj.render.shaders import SHADER_DIR, ShaderLibrary
    from vj.render.targets import headless_context

    d = shutil.copytree(SHADER_DIR, tmp_path / "shaders")
    ctx = headless_context()
    lib = ShaderLibrary(ctx, d)
    before = lib["post"]
    post = d / "post.frag"
    good = post.read_text()
    import os
    import time

    post.write_text(good.replace("void main() {", "void main() { this is not glsl;"))
    os.utime(post, (time.time() + 5, time.time() + 5))
    assert lib.poll() == []
    assert lib["post"] is before  # still the working program
    assert "post" in lib.errors and "post.frag" in lib.errors["post"]
    assert any("keeping the previous version" in r.message for r in caplog.records)
    post.write_text(good.replace("col = mix(col, vec3(1.0), u_flash);",
                                 "col = mix(col, vec3(1.0), u_flash); col = 1.0 - col;"))
    os.utime(post, (time.time() + 10, time.time() + 10))
    assert lib.poll() == ["post"]
    assert lib["post"] is not before and "post" not in lib.errors
    # the new program is used: an inverted picture
    from vj.render.fx import Uniforms
    from vj.render.renderer import Renderer

    r = Renderer(ctx, (8, 8), (8, 8), shaders=lib)
    r.upload(np.zeros((8, 8, 3), np.uint8))
    r.frame(Uniforms())
    assert r.read().min() == 255


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
