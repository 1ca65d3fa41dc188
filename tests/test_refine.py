"""The live refinement (vj.refine): real diffusers components at tiny sizes with random
weights (a UNet2DConditionModel, an AutoencoderTiny, a CLIP text model), built in code."""
import json
import os

import numpy as np
import pytest

from tests.conftest import run_vj


@pytest.fixture(scope="module")
def tiny_refiner(tmp_path_factory):
    from vj.refine.models import save_tiny_refiner

    return save_tiny_refiner(tmp_path_factory.mktemp("refiner"))


@pytest.fixture(scope="module")
def refiner(tiny_refiner):
    from vj.refine.models import load_refiner

    r = load_refiner(str(tiny_refiner), "cpu")
    r.prepare_bank("bank", ["red squares, techno", "blue circles, jazz", "green lines"])
    return r


@pytest.fixture(scope="module")
def picture():
    from vj.generate.artwork import artwork

    return np.asarray(artwork(seed=3, size=64))


def change(a, b) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


def test_strength_zero_is_the_decoded_frame_and_the_same_inputs_give_the_same_frame(
        refiner, picture):
    assert np.array_equal(refiner.refine(picture, "bank", [0], [0.4], [0.0]), picture)
    a = refiner.refine(picture, "bank", [1], [0.25], [0.3])
    b = refiner.refine(picture.copy(), "bank", [1], [0.25], [0.3])
    assert a.shape == picture.shape and a.dtype == np.uint8 and np.array_equal(a, b)
    # a static input with steady audio: the same picture, frame after frame (the
    # noise is fixed per keyframe pair, not drawn per frame)
    frames = [refiner.refine_one(picture.copy(), "bank", 1, 0.25, 0.3) for _ in range(5)]
    assert all(np.array_equal(f, a) for f in frames)
    # the noise travels with the slerp: a nearby position, a nearby picture
    near = refiner.refine(picture, "bank", [1], [0.26], [0.3])
    far = refiner.refine(picture, "bank", [1], [0.9], [0.3])
    assert change(near, a) < change(far, a)


def test_the_change_grows_with_the_strength(refiner, picture):
    # random weights: the tiny autoencoder alone changes the picture, so the change the
    # diffusion step makes is measured from the lightest refinement
    light = refiner.refine(picture, "bank", [0], [0.5], [0.002])
    changes = [change(refiner.refine(picture, "bank", [0], [0.5], [s]), light)
               for s in (0.1, 0.25, 0.5, 0.8)]
    assert all(b > a for a, b in zip(changes, changes[1:])), changes


def test_batched_refinement_gives_the_live_frames(refiner, picture):
    """vj record refines chunks; the show one frame at a time: the same frames."""
    ks, ss, st = [0, 1, 2, 1], [0.1, 0.5, 0.9, 0.5], [0.2, 0.0, 0.6, 0.4]
    batch = refiner.refine(np.stack([picture] * 4), "bank", ks, ss, st)
    for i in range(4):
        one = refiner.refine(picture, "bank", [ks[i]], [ss[i]], [st[i]])
        assert change(batch[i], one) <= 0.01, i      # float rounding of a batch, at most


def test_the_strength_rule_and_a_hit():
    from vj.refine.strength import MAX_STRENGTH, strength

    assert strength(0.1, 0.4, 0.0, 0.0) == pytest.approx(0.1)
    assert strength(0.1, 0.4, 0.2, 1.0) == pytest.approx(0.5)     # the hit, not the energy
    assert strength(0.5, 1.0, 1.0, 1.0) == MAX_STRENGTH and strength(-1, 0, 0, 0) == 0.0


@pytest.mark.slow
def test_the_live_stage_refines_and_a_hit_raises_the_strength_in_its_frame(tiny_refiner,
                                                                            latent_bank,
                                                                            tmp_path):
    """A click track: on every frame whose onset is a hit, that frame's strength is
    already up (the strength is computed from the same onset the frame is drawn with)."""
    import soundfile as sf

    from tests.conftest import show_thread
    from vj.audio.synth import click_train
    from vj.live.show import ShowConfig

    y, clicks = click_train(sr=22050, duration=7.0, bpm=120.0, offset=1.0)
    sf.write(tmp_path / "clicks.wav", y, 22050)
    cfg = ShowConfig(banks=[str(latent_bank)], audio_file=str(tmp_path / "clicks.wav"),
                     headless=True, size=(96, 96), osc=False, preset="techno", duration=6.0,
                     decoder="torch", refine=str(tiny_refiner))
    show, th, out = show_thread(cfg, probe=True)
    th.join(60)
    s = out["s"].details["refine"]
    assert s["refined"] > 0, s
    strengths = show.log.strength.values()
    onsets = show.log.onset.values()
    own = show.controls.preset.refine
    hits = onsets >= 0.5
    assert hits.sum() >= 5                         # the clicks reach the render loop
    assert np.all(strengths[hits] >= own["strength"] + 0.5 * own["gain"] - 1e-6)
    assert np.median(strengths[~hits]) < own["strength"] + 0.5 * own["gain"]


@pytest.mark.slow
def test_a_slow_refine_stage_leaves_the_loop_drawing_with_unrefined_frames(tiny_refiner,
                                                                          latent_bank,
                                                                          drum_song, tmp_path):
    from tests.test_show_robust import run_show

    s = run_show(tmp_path, "--bank", latent_bank, "--audio-file", drum_song, "--headless",
                 "--size", "96x96", "--no-osc", "--duration", 6, "--decoder", "torch",
                 "--refine", tiny_refiner, env={"VJ_REFINE_DELAY": "0.1"})
    r = s["refine"]
    assert r["unrefined"] > r["refined"] > 0 and r["behind_at_end"]
    assert "refinement behind" in "; ".join(s["fault_list"])
    # a loop that waited on a 100 ms refinement would take 100 ms a frame
    assert s["frame_ms"]["p50"] < 50.0, s["frame_ms"]


@pytest.mark.slow
def test_vj_record_refines_deterministically(tiny_refiner, latent_bank, drum_song, tmp_path):
    import av

    def frames(path):
        with av.open(str(path)) as c:
            return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])

    outs = []
    for name, extra in (("a", ["--refine", tiny_refiner]), ("b", ["--refine", tiny_refiner]),
                        ("plain", [])):
        out = tmp_path / f"{name}.mp4"
        r = run_vj("record", drum_song, "--bank", latent_bank, "-o", out, "--duration", 2,
                   "--fx", "techno", "--decoder", "torch", "--quiet", *extra)
        assert r.returncode == 0, r.stderr
        outs.append(frames(out))
    assert np.array_equal(outs[0], outs[1])                       # deterministic
    assert change(outs[0], outs[2]) > 1.0                        # and it refines


def test_missing_weights_are_named_in_one_line_with_the_command_that_fetches_them(
        tmp_path, drum_song, art_bank):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "vj", "record", str(drum_song), "--bank",
                        str(art_bank), "-o", str(tmp_path / "x.mp4"), "--refine", "sd-turbo",
                        "--quiet"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1, r.stderr
    line = r.stderr.strip()
    assert line.count("\n") == 0 and "stabilityai/sd-turbo" in line
    assert "madebyollin/taesd" in line and "hf download stabilityai/sd-turbo" in line


def test_vj_bench_refine_tiny(tmp_path):
    out = tmp_path / "r.json"
    r = run_vj("bench", "refine", "--tiny", "--size", 64, "--frames", 3, "--backend", "eager",
               "--device", "cpu", "--json", out)
    assert r.returncode == 0, r.stderr
    rows = json.loads(out.read_text())["rows"]
    assert rows[0]["size"] == 64 and rows[0]["stage_ms"] > 0 and rows[0]["with_movq_ms"] > 0
