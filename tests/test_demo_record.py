import numpy as np
import pytest

from tests.conftest import one_line_error, run_vj
from vj.record.video import read_video_info


@pytest.mark.slow
def test_demo_writes_a_playable_mp4_with_audio(tmp_path):
    res = run_vj("demo", "--out", tmp_path / "demo", "--duration", 6, "--size", 128, "--quiet")
    assert res.returncode == 0, res.stderr
    video = tmp_path / "demo" / "vj-demo.mp4"
    assert str(video.resolve()) in res.stdout
    info = read_video_info(video)
    expected_frames = 6 * 30
    assert abs(info["frames"] - expected_frames) <= 1
    assert abs(info["duration"] - 6.0) <= 1 / 30
    assert (info["width"], info["height"]) == (128, 128)
    assert info["audio_seconds"] is not None and abs(info["audio_seconds"] - 6.0) <= 1 / 30
    # the demo made its own inputs
    assert (tmp_path / "demo" / "demo-song.wav").is_file()
    assert (tmp_path / "demo" / "demo-bank" / "manifest.json").is_file()


def _frames(path):
    import av

    with av.open(str(path)) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])


@pytest.mark.slow
def test_record_is_deterministic_and_moves_on_the_beat(tmp_path, drum_song, art_bank):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    for out in (a, b):
        res = run_vj("record", drum_song, "--bank", art_bank, "-o", out, "--segment", 4,
                     "--quiet", "--duration", 8, "--start", 4)
        assert res.returncode == 0, res.stderr
    fa, fb = _frames(a), _frames(b)
    assert fa.shape == (240, 128, 128, 3)
    assert np.array_equal(fa, fb)
    info = read_video_info(a)
    assert abs(info["audio_seconds"] - 8.0) <= 1 / 30


@pytest.mark.slow
def test_record_linear_and_online_drivers(tmp_path, drum_song, art_bank):
    for interp in ("linear", "online"):
        out = tmp_path / f"{interp}.mp4"
        res = run_vj("record", drum_song, "--bank", art_bank, "-o", out, "--interp", interp,
                     "--duration", 3, "--quiet", "--fps", 24)
        assert res.returncode == 0, res.stderr
        assert abs(read_video_info(out)["frames"] - 72) <= 1


def test_segments_by_seconds_beats_and_sections():
    from vj.audio.synth import drum_and_chords
    from vj.motion.segments import parse_segment, segment_bounds

    assert parse_segment("10") == ("seconds", 10.0) == parse_segment("10s")
    assert parse_segment("16beats") == ("beats", 16.0)
    assert parse_segment("sections") == ("sections", 0.0)
    y = drum_and_chords(sr=22050, duration=60.0)
    b = segment_bounds(y, 22050, "8beats")  # 120 BPM: 8 beats = 4 s
    assert b[0] == 0 and b[-1] == 60.0
    assert np.median(np.diff(b[1:-1])) == pytest.approx(4.0, abs=0.1)
    s = segment_bounds(y, 22050, "sections")
    assert s[0] == 0 and s[-1] == 60.0 and len(s) >= 3
    # the breakdown (no kick or snare) runs from 30 s to 34 s: a boundary lands within
    # a bar (2 s) of its start or its end
    assert min(np.min(np.abs(s - 30.0)), np.min(np.abs(s - 34.0))) <= 2.0


@pytest.mark.slow
def test_energy_driven_frames_change_most_on_the_hits(tmp_path, drum_song, art_bank):
    out = tmp_path / "e.mp4"
    res = run_vj("record", drum_song, "--bank", art_bank, "-o", out, "--segment", 4,
                 "--start", 4, "--duration", 12, "--quiet")
    assert res.returncode == 0, res.stderr
    f = _frames(out).astype(np.float32)
    diff = np.abs(np.diff(f, axis=0)).mean(axis=(1, 2, 3))
    # the song has kicks every 0.5 s from 4 s to 10 s: clip time 0..6 s
    t = (np.arange(len(diff)) + 1) / 30  # diff[i] is the change up to frame i + 1
    groove = t < 6.0
    beats = np.arange(0, 6.0, 0.5)
    near = np.min(np.abs(t[:, None] - beats[None, :]), axis=1) <= 0.05
    on, off = diff[groove & near].mean(), diff[groove & ~near].mean()
    assert on > 2 * off, (on, off)  # a linear driver gives about 1


@pytest.mark.parametrize("case", ["no folder", "bad suffix", "missing bank", "bad song",
                                  "empty bank", "not writable", "bad segment"])
def test_record_bad_input(tmp_path, drum_song, art_bank, case):
    song, bank, out = drum_song, art_bank, tmp_path / "x.mp4"
    extra = []
    if case == "no folder":
        out = tmp_path / "nope" / "x.mp4"
    elif case == "not writable":
        out = __import__("pathlib").Path("/proc/vj-test-output.mp4")  # no files there, even for root
    elif case == "bad segment":
        extra = ["--segment", "3bars"]
    elif case == "empty bank":
        import shutil

        from safetensors.numpy import save_file

        bank = shutil.copytree(art_bank, tmp_path / "empty")
        save_file({"images": np.zeros((0, 128, 128, 3), np.uint8)},
                  str(bank / "latents.safetensors"))
    elif case == "bad suffix":
        out = tmp_path / "x.txt"
    elif case == "missing bank":
        bank = tmp_path / "nobank"
    else:
        song = tmp_path / "bad.wav"
        song.write_text("not audio")
    one_line_error(run_vj("record", song, "--bank", bank, "-o", out, "--quiet", *extra))
    assert not out.exists()
    assert not [p for p in tmp_path.glob(".x.*")]  # no temporary left behind


@pytest.mark.slow
def test_record_with_fx_flashes_on_the_beat(tmp_path, drum_song, art_bank):
    plain, fx = tmp_path / "plain.mp4", tmp_path / "fx.mp4"
    for out, extra in ((plain, []), (fx, ["--fx", "techno"])):
        res = run_vj("record", drum_song, "--bank", art_bank, "-o", out, "--start", 4,
                     "--duration", 4, "--quiet", *extra)
        assert res.returncode == 0, res.stderr
    a, b = _frames(plain).astype(float), _frames(fx).astype(float)
    lift = (b - a).mean(axis=(1, 2, 3))  # brightness added by the effects, per frame
    t = np.arange(len(lift)) / 30
    on_beat = np.min(np.abs(t[:, None] - np.arange(0, 4, 0.5)[None, :]), axis=1) <= 0.05
    assert lift[on_beat].mean() > lift[~on_beat].mean() + 10


@pytest.mark.slow
def test_record_a_model_bank_through_its_decoder(tmp_path, drum_song, kandinsky, art):
    from vj.bank import save_bank
    from vj.generate.kandinsky import PrepareSettings, make_bank

    bank, thumbs = make_bank(kandinsky, [art], "style", PrepareSettings(
        size=64, keyframes=3, steps=2, prior_steps=2), genre="pop", mood=None,
        style_source="test", progress=False)
    path = save_bank(bank, tmp_path / "model-bank", thumbs=thumbs)
    out = tmp_path / "m.mp4"
    res = run_vj("record", drum_song, "--bank", path, "-o", out, "--duration", 3, "--quiet",
                 "--size", 128)
    assert res.returncode == 0, res.stderr
    info = read_video_info(out)
    assert (info["width"], info["height"], info["frames"]) == (128, 128, 90)
    f = _frames(out)
    assert f.std() > 5  # a decoded picture, not a flat colour


@pytest.mark.parametrize("decoder", ["torch", "onnx"])
@pytest.mark.slow
def test_batched_decoding_gives_the_same_video(tmp_path, drum_song, kandinsky, art, decoder):
    from vj.bank import save_bank
    from vj.generate.kandinsky import PrepareSettings, make_bank

    bank, thumbs = make_bank(kandinsky, [art], "style", PrepareSettings(
        size=64, keyframes=3, steps=2, prior_steps=2), genre="pop", mood=None,
        style_source="test", progress=False)
    path = save_bank(bank, tmp_path / "bank", thumbs=thumbs)
    outs = []
    for b in (1, 4):  # 4 does not divide 62 frames: the last chunk is padded
        out = tmp_path / f"b{b}.mp4"
        res = run_vj("record", drum_song, "--bank", path, "-o", out, "--duration", 2.07,
                     "--quiet", "--batch", b, "--decoder", decoder)
        assert res.returncode == 0, res.stderr
        outs.append(_frames(out).astype(float))
    assert outs[0].shape == outs[1].shape and outs[0].shape[0] == 62
    # Through H.264 a one-level difference in a few pixels can change the encoder's
    # decisions for the rest of the group of pictures (about 1 level on average on an
    # Intel Xeon, 2026-12-02), so the videos are held to less than half the change
    # from one frame to the next: a frame out of place would differ by all of it ...
    motion = np.abs(np.diff(outs[0], axis=0)).mean()
    assert np.abs(outs[0] - outs[1]).mean() < 0.5 * motion
    # ... and the pictures the decoder gives, before the encoder, to one level.
    from vj.bank import load_bank
    from vj.decode import open_frames
    from vj.record.render import decoded_chunks

    bank = load_bank(path)
    ks = np.repeat(np.arange(2), 31)
    ss = np.tile(np.linspace(0.0, 1.0, 31), 2)
    one = np.concatenate(list(decoded_chunks(open_frames(bank, decoder, "cpu", batch=1),
                                             ks, ss, 8, False))).astype(float)
    four = np.concatenate(list(decoded_chunks(open_frames(bank, decoder, "cpu", batch=4),
                                              ks, ss, 4, True))).astype(float)
    assert one.shape == four.shape and np.abs(one - four).max() <= 1.0
