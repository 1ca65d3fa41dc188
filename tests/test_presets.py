import pytest

from tests.conftest import one_line_error, run_vj
from vj.presets import GENRES, PresetError, get_preset, load_presets, template_prompt


def test_all_23_genres_with_shared_styles():
    presets = load_presets()
    assert sorted(p.name for p in presets.values()) == sorted(GENRES)
    style = lambda g: get_preset(g).style  # noqa: E731
    assert style("rock") == style("punk")
    assert style("electronic") == style("techno") == style("electro") == style("house")
    assert style("funk") == style("disco")
    distinct = {p.style.text for p in presets.values()}
    assert len(distinct) == 23 - 1 - 3 - 1
    for p in presets.values():
        assert len(p.style.text) > 60 and len(p.style.palette) >= 3
        assert 0 <= p.motion.intensity <= 1 and p.motion.segment > 0


def test_names_are_forgiving():
    assert get_preset("Hip-Hop").name == "hip hop"
    assert get_preset("RnB").name == "r&b"
    assert template_prompt("techno", "sad") == "sad techno music album cover"


def test_presets_command_lists_them():
    res = run_vj("presets")
    assert res.returncode == 0
    assert len(res.stdout.strip().splitlines()) == 23
    assert "(style of electronic)" in res.stdout


def test_user_folder_adds_and_overrides(tmp_path, monkeypatch):
    (tmp_path / "vapor.toml").write_text(
        'name = "vaporwave"\nstyle_from = "electronic"\n[motion]\nsegment = 4\n')
    (tmp_path / "techno.toml").write_text(
        'name = "techno"\n[style]\nmovement = "mine"\npalette = ["#000000"]\nmood = "x"\n'
        'motifs = []\ntext = "my own techno look"\n')
    p = load_presets([tmp_path])
    assert p["vaporwave"].motion.segment == 4 and p["techno"].style.text == "my own techno look"
    monkeypatch.setenv("VJ_PRESETS", str(tmp_path))
    res = run_vj("presets")
    assert "vaporwave" in res.stdout and str(tmp_path) in res.stdout


@pytest.mark.parametrize("body,line,key", [
    ('name = "x"\n[style]\nmovement = "m"\npalette = ["red"]\nmood = "x"\nmotifs = []\n'
     'text = "t"\n', 4, "style.palette"),
    ('name = "x"\nstyle_from = "electronic"\n[motion]\nsegment = 4\nintensity = 3\n', 5,
     "motion.intensity"),
    ('name = "x"\nstyle_from = "electronic"\n[fx]\nflsh = 0.3\n', 4, "fx.flsh"),
    ('name = "x"\nstyle_from = "nothing"\n', 2, "style_from"),
])
def test_broken_preset_names_file_line_and_key(tmp_path, body, line, key):
    f = tmp_path / "broken.toml"
    f.write_text(body)
    with pytest.raises(PresetError) as e:
        load_presets([tmp_path])
    msg = str(e.value)
    assert str(f) in msg and f"line {line}" in msg and f"'{key}'" in msg, msg
    err = one_line_error(run_vj("presets", "--presets", tmp_path))
    assert f"line {line}" in err


def test_toml_syntax_error_names_the_line(tmp_path):
    (tmp_path / "bad.toml").write_text('name = "x"\n[motion\nsegment = 3\n')
    with pytest.raises(PresetError) as e:
        load_presets([tmp_path])
    assert "bad.toml" in str(e.value) and "line 2" in str(e.value)
