"""`vj prepare` with a real diffusers Kandinsky 2.2 pipeline built from tiny configs."""
import hashlib
import json

import numpy as np
import pytest
import torch

from tests.conftest import one_line_error, run_vj
from vj.bank import load_bank, save_bank
from vj.errors import BankError

STEPS = ["--steps", 2, "--prior-steps", 2, "--quiet"]


def _settings(**kw):
    from vj.generate.kandinsky import PrepareSettings

    base = dict(size=64, seed=5, keyframes=3, steps=2, prior_steps=2)
    base.update(kw)
    return PrepareSettings(**base)


def _bank(kandinsky, art, **kw):
    from vj.generate.kandinsky import make_bank

    return make_bank(kandinsky, [art], "cubist saxophones, brass gold", _settings(**kw),
                     genre="jazz", mood=None, style_source="test", progress=False)


@pytest.mark.slow
def test_prepare_cli_writes_a_complete_bank(tmp_path, tiny_model, art):
    bank_dir = tmp_path / "bank"
    res = run_vj("prepare", "--image", art, "--genre", "techno", "--bank", bank_dir,
                 "--model", tiny_model, "--size", 64, "--keyframes", 3, "--seed", 7, *STEPS)
    assert res.returncode == 0, res.stderr
    bank = load_bank(bank_dir)
    m = bank.manifest
    # latents have the shape the decoder expects: unet channels x (size / movq factor)
    unet_cfg = json.loads((tiny_model / "decoder" / "unet" / "config.json").read_text())
    assert bank.frames.shape == (3, unet_cfg["in_channels"], 32, 32)
    assert m["seeds"] == [7, 8, 9]
    assert m["sources"][0]["sha256"] == hashlib.sha256(art.read_bytes()).hexdigest()
    assert m["genre"] == "techno" and "moire" in m["style"]
    assert (m["image_weight"], m["text_weight"]) == (0.7, 0.3)
    for part in ("prior", "decoder"):
        weights = m["model"][part]["weights_sha256"]
        assert weights, part
        for rel, digest in weights.items():
            f = tiny_model / part / rel
            assert hashlib.sha256(f.read_bytes()).hexdigest() == digest
    from PIL import Image

    thumbs = sorted((bank_dir / "thumbs").glob("*.png"))
    assert len(thumbs) == 3
    for t in thumbs:
        with Image.open(t) as im:
            assert im.format == "PNG" and im.size == (64, 64)


def test_saved_bank_loads_back_identical(tmp_path, kandinsky, art):
    bank, thumbs = _bank(kandinsky, art)
    save_bank(bank, tmp_path / "b", thumbs=thumbs)
    again = load_bank(tmp_path / "b")
    assert again.frames.dtype == np.float32
    assert np.array_equal(again.frames, bank.frames)
    # and the latents decode to the thumbnails
    imgs = kandinsky.decode_images(torch.from_numpy(again.frames))
    assert imgs.shape == (3, 64, 64, 3)
    diff = np.abs(np.asarray(thumbs[1]).astype(int) - imgs[1].astype(int))
    assert diff.max() <= 1  # batched and single decodes round the same, within one level


def test_prior_receives_the_artwork_and_the_text_with_their_weights(kandinsky, art):
    from vj.generate.images import open_rgb

    text_inputs, image_inputs, unet_embeds = [], [], []
    hooks = [
        kandinsky.prior.text_encoder.register_forward_hook(
            lambda m, a, kw, out: text_inputs.append(kw.get("input_ids", a[0] if a else None)),
            with_kwargs=True),
        kandinsky.prior.image_encoder.register_forward_hook(
            lambda m, a, kw, out: image_inputs.append(a[0] if a else kw["pixel_values"]),
            with_kwargs=True),
        kandinsky.decoder.unet.register_forward_pre_hook(
            lambda m, a, kw: unet_embeds.append(kw["added_cond_kwargs"]["image_embeds"]),
            with_kwargs=True),
    ]
    try:
        _bank(kandinsky, art, keyframes=1, image_weight=0.6, text_weight=0.4)
    finally:
        for h in hooks:
            h.remove()
    style = "cubist saxophones, brass gold"
    decoded = [kandinsky.prior.tokenizer.decode(ids[0], skip_special_tokens=True).strip()
               for ids in text_inputs]
    # the style text reached the CLIP text encoder (decoding spaces out the punctuation)
    assert style.replace(" ", "") in [d.replace(" ", "") for d in decoded], decoded
    # the artwork reached the CLIP image encoder (the other calls are the prior's zero image)
    assert sum(bool(x.abs().sum() > 0) for x in image_inputs) == 1
    # what reached the decoder is 0.6 * image embedding + 0.4 * prior(text), computed here
    # independently with the same components and seed
    with torch.no_grad():
        pix = kandinsky.prior.image_processor(open_rgb(art), return_tensors="pt").pixel_values
        img_emb = kandinsky.prior.image_encoder(pix).image_embeds
        txt_emb = kandinsky.prior(style, num_inference_steps=2, guidance_scale=4.0,
                                  generator=torch.Generator().manual_seed(5)).image_embeds
    expected = 0.6 * img_emb + 0.4 * txt_emb
    positive = unet_embeds[0].chunk(2)[1]  # classifier-free guidance: [negative, positive]
    torch.testing.assert_close(positive, expected, atol=1e-5, rtol=1e-4)


def test_image_weight_changes_latents_and_seed_repeats(kandinsky, art):
    a, _ = _bank(kandinsky, art)
    b, _ = _bank(kandinsky, art)
    c, _ = _bank(kandinsky, art, image_weight=0.2)
    d, _ = _bank(kandinsky, art, seed=6)
    assert np.array_equal(a.frames, b.frames)
    assert not np.allclose(a.frames, c.frames)
    assert not np.allclose(a.frames, d.frames)
    assert np.array_equal(a.frames[1:], d.frames[:2])  # keyframe k uses seed + k


@pytest.mark.slow
def test_one_keyframe_per_segment_with_audio(tmp_path, tiny_model, art, drum_song):
    bank_dir = tmp_path / "bank"
    res = run_vj("prepare", "--image", art, "--genre", "jazz", "--mood", "sad", "--bank",
                 bank_dir, "--model", tiny_model, "--size", 64, "--audio", drum_song,
                 "--segment", 5, *STEPS)
    assert res.returncode == 0, res.stderr
    m = load_bank(bank_dir).manifest
    assert m["segments"] == [0.0, 5.0, 10.0, 15.0, 20.0]
    assert m["count"] == 5 and m["mood"] == "sad" and "melancholic" in m["style"]


@pytest.mark.slow
def test_template_prompt_and_several_artworks(tmp_path, tiny_model, art):
    from vj.generate.artwork import artwork

    art2 = tmp_path / "b.png"
    artwork(seed=12, size=100).save(art2)
    res = run_vj("prepare", "--image", art, art2, "--genre", "house", "--mood", "happy",
                 "--template", "--bank", tmp_path / "bank", "--model", tiny_model, "--size", 64,
                 "--keyframes", 2, *STEPS)
    assert res.returncode == 0, res.stderr
    m = load_bank(tmp_path / "bank").manifest
    assert m["style"] == "happy house music album cover"
    assert len(m["sources"]) == 2


# -- bad input -----------------------------------------------------------------------------

def _prepare(tmp_path, tiny_model, image, *extra):
    return run_vj("prepare", "--image", image, "--genre", "pop", "--bank", tmp_path / "bank",
                  "--model", tiny_model, "--size", 64, "--keyframes", 2, *STEPS, *extra)


def test_unusable_images_are_refused(tmp_path, tiny_model):
    from PIL import Image

    text = tmp_path / "text.png"
    text.write_text("not an image")
    one = tmp_path / "one.png"
    Image.new("RGB", (1, 1)).save(one)
    for p, needle in ((tmp_path / "missing.png", "no such image"), (text, "not a readable"),
                      (one, "too small")):
        line = one_line_error(_prepare(tmp_path, tiny_model, p))
        assert p.name in line and needle in line, line
    assert not (tmp_path / "bank").exists()


@pytest.mark.slow
def test_odd_but_valid_images_work(tmp_path, tiny_model):
    from PIL import Image

    huge = tmp_path / "huge.png"
    Image.new("RGB", (10000, 10000), (200, 30, 30)).save(huge, compress_level=1)
    cmyk = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (300, 200), (0, 120, 200, 10)).save(cmyk)
    deep = tmp_path / "deep.png"
    Image.fromarray(np.arange(200 * 300, dtype=np.uint16).reshape(200, 300)).save(deep)
    with Image.open(deep) as im:
        assert im.mode.startswith("I")  # really 16 bits per sample
    for _i, p in enumerate((huge, cmyk, deep)):
        res = _prepare(tmp_path, tiny_model, p, "--force")
        assert res.returncode == 0, (p, res.stderr)
        assert load_bank(tmp_path / "bank").count == 2


def test_unknown_genre_lists_the_valid_ones(tmp_path, tiny_model, art):
    res = run_vj("prepare", "--image", art, "--genre", "dubstep", "--bank", tmp_path / "b",
                 "--model", tiny_model)
    line = one_line_error(res)
    assert "dubstep" in line and "techno" in line and "r&b" in line


def test_existing_bank_is_refused_unless_force(tmp_path, tiny_model, art):
    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "keep.txt").write_text("mine")
    line = one_line_error(_prepare(tmp_path, tiny_model, art))
    assert "already exists" in line and "--force" in line
    assert (tmp_path / "bank" / "keep.txt").exists()


@pytest.mark.slow
def test_missing_weights_say_which_and_how(tmp_path, art):
    import os
    import subprocess
    import sys

    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    res = subprocess.run([sys.executable, "-m", "vj", "prepare", "--image", str(art), "--genre",
                          "pop", "--bank", str(tmp_path / "b"), "--quiet"],
                         capture_output=True, text=True, env=env, timeout=300)
    line = one_line_error(res)
    assert "kandinsky-community/kandinsky-2-2-prior" in line
    assert "kandinsky-community/kandinsky-2-2-decoder" in line
    assert "hf download" in line


def test_truncated_or_inconsistent_banks_name_the_file_and_field(tmp_path, kandinsky, art):
    bank, thumbs = _bank(kandinsky, art, keyframes=2)
    good = save_bank(bank, tmp_path / "good", thumbs=thumbs)
    # truncated tensors
    import shutil

    t = shutil.copytree(good, tmp_path / "trunc")
    data = (t / "latents.safetensors").read_bytes()
    (t / "latents.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(BankError) as e:
        load_bank(t)
    assert "latents.safetensors" in str(e.value)
    # manifest with a wrong shape
    w = shutil.copytree(good, tmp_path / "wrong")
    m = json.loads((w / "manifest.json").read_text())
    m["shape"] = [2, 4, 16, 16]
    (w / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(BankError) as e:
        load_bank(w)
    assert "manifest.json" in str(e.value) and "'shape'" in str(e.value)
    # a newer format version
    m["shape"] = list(bank.frames.shape)
    m["format_version"] = 99
    (w / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(BankError) as e:
        load_bank(w)
    assert "format_version" in str(e.value)
    # the CLI says the same in one line
    line = one_line_error(run_vj("record", art, "--bank", t, "-o", tmp_path / "x.mp4"))
    assert "latents.safetensors" in line


def test_bank_format_version_1_still_loads(tmp_path, kandinsky, art):
    """A bank written with format 1 (this version) keeps loading: fields only get added."""
    bank, thumbs = _bank(kandinsky, art, keyframes=2)
    p = save_bank(bank, tmp_path / "v1", thumbs=thumbs)
    m = json.loads((p / "manifest.json").read_text())
    for optional in ("mood", "segments", "style_source", "created"):
        m.pop(optional, None)
    (p / "manifest.json").write_text(json.dumps(m))
    assert load_bank(p).count == 2


@pytest.mark.slow
def test_prepare_audio_detects_each_segments_genre(tmp_path, tiny_model, art, drum_song):
    bank_dir = tmp_path / "bank"
    res = run_vj("prepare", "--image", art, "--audio", drum_song, "--segment", "10s",
                 "--bank", bank_dir, "--model", tiny_model, "--size", 64, *STEPS)
    assert res.returncode == 0, res.stderr
    m = load_bank(bank_dir).manifest
    assert m["style_source"].startswith("detected:")
    genres = m["style_source"][len("detected:"):].split(",")
    assert len(genres) == len(m["prompts"]) == m["count"] == 3  # 0, 10, 20 s
    from vj.presets import get_preset

    for g, prompt in zip(genres, m["prompts"]):
        assert get_preset(g).style.text in prompt  # each keyframe got its segment's style


@pytest.mark.slow
def test_a_wide_latent_bank_is_made_decoded_and_recorded_in_its_shape(tmp_path, tiny_model, art,
                                                                     drum_song):
    bank_dir = tmp_path / "wide"
    res = run_vj("prepare", "--image", art, "--genre", "techno", "--bank", bank_dir,
                 "--model", tiny_model, "--size", "128x64", "--keyframes", 2, *STEPS)
    assert res.returncode == 0, res.stderr
    bank = load_bank(bank_dir)
    assert (bank.manifest["width"], bank.manifest["height"]) == (128, 64)
    assert bank.frames.shape[2:] == (32, 64)          # latents: height, width / the MoVQ's 2
    from PIL import Image

    with Image.open(sorted((bank_dir / "thumbs").glob("*.png"))[0]) as im:
        assert im.size == (128, 64)
    out = tmp_path / "wide.mp4"
    res = run_vj("record", drum_song, "--bank", bank_dir, "-o", out, "--duration", 1,
                 "--decoder", "torch", "--quiet")
    assert res.returncode == 0, res.stderr
    import av

    with av.open(str(out)) as c:
        f = next(c.decode(video=0))
        assert (f.width, f.height) == (128, 64)
    bad = run_vj("prepare", "--image", art, "--genre", "techno", "--bank", tmp_path / "x",
                 "--model", tiny_model, "--size", "100x64", *STEPS)
    assert bad.returncode == 1 and "each side a multiple of 64" in bad.stderr
