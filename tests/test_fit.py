"""Pictures that fill the projector: wide banks, and --fit contain|cover|stretch in the
show and in vj record (vj.render.fit)."""
import numpy as np
import pytest

from tests.conftest import Desk, free_port, run_vj, show_thread
from vj.render.fit import placement


def test_placement_contains_covers_and_stretches():
    assert placement((512, 512), (1280, 720), "contain") == ((280, 0, 720, 720), (1.0, 1.0))
    assert placement((512, 512), (1280, 720), "cover") == ((0, 0, 1280, 720), (1.0, 0.5625))
    assert placement((1024, 576), (720, 720), "cover") == ((0, 0, 720, 720), (0.5625, 1.0))
    assert placement((512, 512), (1280, 720), "stretch") == ((0, 0, 1280, 720), (1.0, 1.0))
    # auto: cover when the shapes differ by more than 3 %, contain when they hardly do
    assert placement((512, 512), (1280, 720), "auto")[1] == (1.0, 0.5625)
    assert placement((1024, 576), (1280, 720), "auto") == ((0, 0, 1280, 720), (1.0, 1.0))
    assert placement((1000, 576), (1280, 720), "auto")[0] == placement(
        (1000, 576), (1280, 720), "contain")[0]
    with pytest.raises(ValueError):
        placement((4, 4), (8, 8), "zoom")


def banded(path, w, h):
    """Red top fifth, green middle, blue bottom fifth: what a crop keeps is visible."""
    from PIL import Image

    a = np.zeros((h, w, 3), np.uint8)
    a[: h // 5] = (220, 30, 30)
    a[h // 5: h - h // 5] = (30, 200, 30)
    a[h - h // 5:] = (30, 30, 220)
    Image.fromarray(a).save(path)


def decoded(video):
    import av

    with av.open(str(video)) as c:
        f = next(c.decode(video=0))
        return f.to_ndarray(format="rgb24")


@pytest.mark.slow
def test_a_wide_bank_fills_a_wide_video_and_cover_crops_a_square_one(tmp_path, drum_song):
    from vj.generate.artwork import artwork

    for i in range(3):
        artwork(seed=i, size=256).save(tmp_path / f"a{i}.png")
    wide = tmp_path / "wide"
    r = run_vj("prepare", "--images", *[tmp_path / f"a{i}.png" for i in range(3)], "--bank",
               wide, "--size", "320x180")
    assert r.returncode == 0 and "320x180" in r.stdout, r.stderr
    out = tmp_path / "wide.mp4"
    r = run_vj("record", drum_song, "--bank", wide, "-o", out, "--duration", 1, "--quiet")
    assert r.returncode == 0, r.stderr
    pic = decoded(out)
    assert pic.shape == (180, 320, 3)                  # the bank's own shape by default
    assert pic.mean(axis=(0, 2)).min() > 8             # no black column

    for i in range(2):
        banded(tmp_path / f"b{i}.png", 200, 200)
    square = tmp_path / "square"
    assert run_vj("prepare", "--images", tmp_path / "b0.png", tmp_path / "b1.png", "--bank",
                  square, "--size", "200").returncode == 0
    got = {}
    for fit in ("cover", "contain", "stretch"):
        video = tmp_path / f"{fit}.mp4"
        r = run_vj("record", drum_song, "--bank", square, "-o", video, "--size", "320x180",
                   "--fit", fit, "--duration", 1, "--quiet")
        assert r.returncode == 0, r.stderr
        got[fit] = decoded(video).astype(int)
        assert got[fit].shape == (180, 320, 3)         # the requested shape
    cover, contain, stretch = got["cover"], got["contain"], got["stretch"]
    # cover: the whole frame is picture, its centre: the top and bottom rows are the
    # middle band's green (the red and blue fifths cropped away), no black column
    for row in (cover[2], cover[-3]):
        assert row[:, 1].mean() > 150 and row[:, 0].mean() < 80 and row[:, 2].mean() < 80
    assert cover.mean(axis=(0, 2)).min() > 40
    # contain: the whole square, black columns left and right
    assert contain[:, :60].max() < 20 and contain[:, -60:].max() < 20
    assert contain[2, 160, 0] > 150                    # the red band at the top
    # stretch: the whole picture and no bars (red at the top, blue at the bottom)
    assert stretch[2, 20, 0] > 150 and stretch[-3, 300, 2] > 150


@pytest.mark.slow
def test_a_square_bank_covers_a_wide_show_and_osc_switches_to_contain(art_bank, drum_song):
    import time

    from vj.live.show import ShowConfig

    port = free_port()
    cfg = ShowConfig(banks=[str(art_bank)], audio_file=str(drum_song), headless=True,
                     size=(320, 180), osc_host="127.0.0.1", osc_port=port, fit="cover",
                     duration=30.0)
    show, th, out = show_thread(cfg, probe=True)
    try:
        time.sleep(1.0)
        pic = show.stage.last_picture
        assert pic.shape == (180, 320, 3) and pic.mean(axis=(0, 2)).min() > 5   # no bars
        Desk(port).send("/vj/fit", "contain")
        end = time.monotonic() + 3.0
        while show.state.fit != "contain" and time.monotonic() < end:
            time.sleep(0.02)
        n = show.log.frames
        while show.log.frames < n + 3:
            time.sleep(0.02)
        pic = show.stage.last_picture
        assert pic[:, :60].max() < 8 and pic[:, -60:].max() < 8    # pillarbox bars
    finally:
        show.controls.quit = True
        th.join(20)
