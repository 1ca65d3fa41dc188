import json

import pytest

from tests.conftest import one_line_error, run_vj

SUBCOMMANDS = ["demo", "analyze", "record", "prepare", "presets", "bench", "devices"]


def test_top_level_help_lists_every_command():
    res = run_vj("--help")
    assert res.returncode == 0
    for cmd in SUBCOMMANDS:
        assert cmd in res.stdout


@pytest.mark.parametrize("cmd", SUBCOMMANDS)
def test_every_subcommand_has_help_for_its_options(cmd):
    import argparse

    from vj.cli import build_parser

    res = run_vj(cmd, "--help")
    assert res.returncode == 0, res.stderr
    assert "usage: vj " + cmd in res.stdout
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    parser = sub.choices[cmd]
    assert parser.description
    for action in parser._actions:
        assert action.help and action.help.strip(), f"{cmd}: {action.option_strings} has no help"
        if action.help == argparse.SUPPRESS:   # an old spelling kept for a release
            continue
        for opt in action.option_strings:
            assert opt in res.stdout


@pytest.mark.slow
def test_analyze_prints_segments_and_writes_the_figure(tmp_path, drum_song):
    png = tmp_path / "fig.png"
    res = run_vj("analyze", drum_song, "--plot", png)
    assert res.returncode == 0, res.stderr
    energy_table = res.stdout.split("\n\n")[0]
    rows = [line for line in energy_table.splitlines() if " s  " in line and "-" in line]
    assert len(rows) == 2  # 20 s in segments of 10 s
    assert "genre" in res.stdout and "mood" in res.stdout and "tempo" in res.stdout
    onset_counts = [int(r.split()[-1]) for r in rows]
    # 120 BPM drums with eighth hats from 4 s on: many onsets in each segment
    assert all(c >= 8 for c in onset_counts), res.stdout
    from PIL import Image

    with Image.open(png) as im:
        assert im.format == "PNG" and im.size[0] > 600 and im.size[1] > 400


@pytest.mark.slow
def test_analyze_segment_option(drum_song):
    res = run_vj("analyze", drum_song, "--segment", 5)
    assert res.returncode == 0
    assert "4 segments of 5 s" in res.stdout


def test_bench_audio_prints_numbers():
    res = run_vj("bench", "audio", "--seconds", 10)
    assert res.returncode == 0, res.stderr
    assert "x real time on one core" in res.stdout
    factor = float(res.stdout.split(" = ")[1].split("x")[0])
    assert factor > 1.0


def test_prepare_image_bank_and_refuse_existing(tmp_path):
    from vj.generate.artwork import artwork

    for i in range(3):
        artwork(seed=i, size=96).save(tmp_path / f"{i}.png")
    bank = tmp_path / "bank"
    res = run_vj("prepare", "--images", tmp_path, "--bank", bank, "--size", 64)
    assert res.returncode == 0, res.stderr
    m = json.loads((bank / "manifest.json").read_text())
    assert m["count"] == 3 and m["width"] == 64 and m["mode"] == "image"
    line = one_line_error(run_vj("prepare", "--images", tmp_path, "--bank", bank))
    assert "already exists" in line
    assert run_vj("prepare", "--images", tmp_path, "--bank", bank, "--force").returncode == 0


def test_bad_arguments_exit_nonzero():
    res = run_vj("analyze", "x.wav", "--segment", "-3")
    assert res.returncode == 2 and "must be above 0" in res.stderr


@pytest.mark.slow
def test_bench_keyframe_runs_the_same_code_on_the_tiny_model():
    res = run_vj("bench", "keyframe", "--tiny", "--size", 64, "--steps", 2, "--prior-steps", 2,
                 "--repeats", 1, "--device", "cpu")
    assert res.returncode == 0, res.stderr
    assert "64x64 (latent [4, 32, 32])" in res.stdout


@pytest.mark.slow
def test_bench_record_runs_a_latent_bank_through_the_decoder():
    res = run_vj("bench", "record", "--tiny", "--size", 64, "--seconds", 2, "--batch", 3,
                 "--decoder", "onnx", "--device", "cpu")
    assert res.returncode == 0, res.stderr
    assert "tiny MoVQ architecture, random weights, decoder onnx on cpu, batch 3, 64x64" \
        in res.stdout
    assert float(res.stdout.split(" = ")[1].split("x")[0]) > 0


def test_real_architecture_has_the_published_sizes():
    """Parameter counts of the configs used by `vj bench keyframe` and the decode
    benchmarks match the model cards (UNet 1.22B, MoVQ 67M, prior 1B, ViT-bigG 1.8B)."""
    import torch
    from diffusers import PriorTransformer, UNet2DConditionModel, VQModel
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    from vj.generate import architecture as A

    def count(m):
        return sum(p.numel() for p in m.parameters()) / 1e6

    with torch.device("meta"):
        assert 1200 < count(UNet2DConditionModel(**A.UNET)) < 1300
        assert 65 < count(VQModel(**A.MOVQ)) < 70
        assert 950 < count(PriorTransformer(**A.PRIOR)) < 1100
        assert 1800 < count(CLIPVisionModelWithProjection(CLIPVisionConfig(**A.CLIP_VISION))) < 1900


@pytest.mark.parametrize("args,says", [
    (["live", "--bank", "b", "--fps", "0"], "--fps: '0': must be above 0"),
    (["live", "--bank", "b", "--osc-port", "70000"], "between 1 and 65535"),
    (["live", "--bank", "b", "--beats-per-bar", "0"], "between 1 and 32"),
    (["live", "--bank", "b", "--decoder", "onxx"], "invalid choice: 'onxx'"),
    (["live", "--bank", "b", "--size", "12x9000"], "sizes between 16 and 8192"),
    (["live", "--bank", "b", "--render-scale", "2"], "between 0.25 and 1"),
    (["record", "s.wav", "--bank", "b", "-o", "x.mp4", "--size", "640x"], "such as 512 or"),
    (["record", "s.wav", "--bank", "b", "-o", "x.mp4", "--fit", "zoom"], "invalid choice: 'zoom'"),
    (["record", "s.wav", "--bank", "b", "-o", "x.mp4", "--fps", "0"], "between 1 and 240"),
    (["bench", "decode", "--frames", "0"], "at least 1"),
])
def test_numbers_and_names_are_checked_when_the_command_line_is_read(args, says):
    res = run_vj(*args)
    assert res.returncode == 2 and says in res.stderr, res.stderr
    assert len([x for x in res.stderr.splitlines() if "error:" in x]) == 1   # one line


@pytest.mark.slow
def test_old_spellings_still_work_for_a_release_with_a_line(tmp_path):
    from vj.cli import build_parser

    ap = build_parser()
    args = ap.parse_args(["live", "--bank", "b", "--window-size", "320x240"])
    assert args.size == (320, 240)
    assert ap.parse_args(["live", "--bank", "b", "--size", "512"]).size == (512, 512)
    args = ap.parse_args(["prepare", "--image", "a.png", "--bank", "b", "--decoder", "dir"])
    assert args.decoder_model == "dir"
    assert ap.parse_args(["midi", "learn", "--api", "jack"]).api == "jack"
    res = run_vj("live", "--bank", tmp_path / "none", "--window-size", "64x48", "--headless")
    assert "--window-size is now --size" in res.stderr
