"""Keyframes that are nearly the same picture are named, and dropped with --dedupe."""
import numpy as np

from tests.conftest import run_vj
from vj.generate.dedupe import near_duplicates


def test_near_duplicates_are_found_on_the_picture_not_the_file(tmp_path):
    from PIL import Image

    from vj.generate.artwork import artwork

    a, b = np.asarray(artwork(seed=1, size=128)), np.asarray(artwork(seed=2, size=128))
    Image.fromarray(a).save(tmp_path / "a.jpg", quality=60)       # recompressed copy
    a_jpeg = np.asarray(Image.open(tmp_path / "a.jpg"))
    dark = (a * 0.5).astype(np.uint8)                             # the same shapes, darker
    found = near_duplicates(np.stack([a, b, a_jpeg, dark]))
    assert [(i, j) for i, j, _ in found] == [(0, 2)]


def test_prepare_names_near_duplicates_and_dedupe_drops_them(tmp_path):
    from PIL import Image

    from vj.bank import load_bank
    from vj.generate.artwork import artwork

    paths = []
    for name, seed in (("one", 1), ("two", 2), ("one-again", 1)):
        paths.append(tmp_path / f"{name}.png")
        artwork(seed=seed, size=160).save(paths[-1])
    Image.open(paths[0]).resize((150, 150)).save(tmp_path / "one-smaller.png")
    paths.append(tmp_path / "one-smaller.png")
    r = run_vj("prepare", "--images", *paths, "--bank", tmp_path / "kept", "--size", 128)
    assert r.returncode == 0, r.stderr
    warned = [x for x in r.stderr.splitlines() if "nearly the same picture" in x]
    assert len(warned) == 2 and "one-again.png" in warned[0] and "one.png" in warned[0]
    assert load_bank(tmp_path / "kept").count == 4
    r = run_vj("prepare", "--images", *paths, "--bank", tmp_path / "deduped", "--size", 128,
               "--dedupe")
    assert r.returncode == 0 and "dropped" in r.stderr, r.stderr
    assert load_bank(tmp_path / "deduped").count == 2
    r = run_vj("prepare", "--images", paths[0], paths[2], "--bank", tmp_path / "one",
               "--dedupe")
    assert r.returncode == 1 and "at least 2 different pictures" in r.stderr
