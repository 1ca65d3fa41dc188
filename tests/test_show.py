"""A whole set (vj.show): the show file and its options, the set list and its cues, the
runner's fades, the cue recorded into the file, the autosave, and `vj show`."""
import argparse
import json
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import grown_bytes, one_line_error, run_vj


def live_parser():
    from vj.cli import build_parser

    ap = build_parser()
    return next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction)).choices["live"]


#: A value for each option of `vj live` that needs one of its own kind (the others
#: take "1" or a name); a new option without a value that parses fails the round trip.
SAMPLES = {"size": "640x360", "output_size": "320x180", "preview_size": "320x180",
           "osc_feedback": "127.0.0.1:9000", "dmx": "sacn:2", "web": "127.0.0.1:8081",
           "input_channels": "3,4", "osc_allow": "127.0.0.1", "dmx_allow": "127.0.0.1",
           "web_allow": "127.0.0.1", "osc_host": "127.0.0.1", "dmx_host": "127.0.0.1",
           "render_scale": "0.5", "fps": "50", "link_bpm": "128", "beats_per_bar": "3",
           "dmx_address": "101", "dmx_loss_after": "2", "refine_steps": "2", "osc_port": "7123",
           "output": "v4l2", "ndi": "vj main", "desk": "grandma3", "midi_map": "nanokontrol2",
           "monitor": "1", "preview_monitor": "2", "web_token": "a-token-of-mine"}


def _option_values(parser):
    from vj.show.options import _actions

    out = {}
    for name, a in _actions(parser).items():
        if a.nargs == 0:
            out[name] = True
        else:
            text = SAMPLES.get(a.dest) or (str(a.choices[-1]) if a.choices else None) \
                or ("1" if a.type not in (None, str) else "x")
            out[name] = [text] if isinstance(a, argparse._AppendAction) else text
    return out


def test_every_option_of_vj_live_round_trips_through_a_show_file(tmp_path):
    import tomlkit

    from vj.show.file import read_show
    from vj.show.options import file_options

    parser = live_parser()
    values = _option_values(parser)
    doc = tomlkit.document()
    doc["options"] = values
    doc["song"] = tomlkit.aot()
    doc["song"].append({"name": "a", "bank": "b"})
    f = tmp_path / "all.toml"
    f.write_text(tomlkit.dumps(doc))
    model, _ = read_show(f)
    got = file_options(parser, model.options, path=f, base=Path("/"))
    argv = []
    for name, v in values.items():
        if v is True:
            argv.append(f"--{name}")
        else:
            for x in (v if isinstance(v, list) else [v]):
                argv += [f"--{name}", x]
    want = vars(parser.parse_args(argv))
    # paths are relative to the show file's folder (here /)
    for dest in ("audio_file", "presets", "shaders", "bank_dir", "summary_json", "dmx_personality",
                 "bank"):
        want[dest] = [f"/{x}" for x in want[dest]] if isinstance(want[dest], list) else f"/{want[dest]}"
    assert len(got) > 50
    for dest, v in got.items():
        assert v == want[dest], dest


def test_the_command_line_overrides_the_file(tmp_path):
    from vj.show.options import file_options, merge

    parser = live_parser()
    opts = file_options(parser, {"osc-port": 7100, "fps": 50, "bank": ["x"], "hud": True},
                        path=tmp_path / "s.toml", base=tmp_path)
    argv = ["--osc-port", "7200", "--bank", "y"]
    args = merge(parser.parse_args(argv), parser, argv, opts)
    assert args.osc_port == 7200 and args.fps == 50.0 and args.hud is True
    assert args.bank == ["y"]        # a list given on the command line replaces the file's


def _show(tmp_path, body: str, name="s.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(body))
    return p


GOOD = """
    name = "t"
    [[song]]
    name = "one"
    bank = "{bank}"
    preset = "techno"
    levels = {{ master = 1.0 }}
    """


@pytest.mark.parametrize("body,expect", [
    ('[[song]]\nname = "a"\nbank = "{bank}"\npresett = "techno"\n',
     r"line 4, unknown key 'song\[1\]\.presett' \(did you mean 'preset'\?\)"),
    ('[[song]]\nname = "a"\nbank = "{bank}"\n[[song.cue]]\nfade = "slow"\n',
     r"line 5, song\[1\]\.cue\[1\]\.fade: .*number.*got 'slow'"),
    ('[[song]]\nname = "a"\nbank = "{bank}"\nlevels = {{ master = 1.5 }}\n',
     r"line 4, song\[1\]\.levels\.master: .*less than or equal to 1.*1\.5"),
    ('[[song]]\nname = "a"\n', r"song\[1\]\.bank: missing"),
    ('[[song]]\nname = "a"\nbank = "{bank}"\ntimecode = "1:2"\n', r"line 4, song\[1\]\.timecode"),
    ('[[song]]\nname = "a"\nbank = "nowhere"\n', r"bank .*nowhere.*manifest\.json|nowhere"),
    ('[[song]]\nname = "a"\nbank = "{bank}"\npreset = "polka"\n',
     r"song\[1\]\.preset: 'polka' does not exist"),
    ('[[song]\nname = "a"\n', r"not valid TOML"),
    ('[options]\nosc-prot = 7000\n[[song]]\nname = "a"\nbank = "{bank}"\n',
     r"\[options\] unknown option 'osc-prot' \(did you mean 'osc-port'\?\)"),
    ('[options]\nfps = -3\n[[song]]\nname = "a"\nbank = "{bank}"\n', r"\[options\] fps: .*-3"),
    ('[options]\nfullscreen = "yes"\n[[song]]\nname = "a"\nbank = "{bank}"\n',
     r"\[options\] fullscreen: true or false"),
    ('name = "empty"\n', r"song: missing"),
])
def test_a_bad_show_file_is_one_line_naming_where_and_no_show_starts(tmp_path, art_bank,
                                                                     body, expect):
    import re

    p = _show(tmp_path, body.format(bank=art_bank))
    line = one_line_error(run_vj("show", "check", p, timeout=60))
    assert str(p) in line and re.search(expect, line), line
    # the show itself refuses the same file before anything starts (no window, no audio)
    res = run_vj("live", "--show", p, "--no-supervise", "--headless", "--duration", "1",
                 "--no-osc", timeout=60)
    assert one_line_error(res) == line


def test_show_new_writes_a_file_that_checks(tmp_path, art_bank):
    p = tmp_path / "set.toml"
    res = run_vj("show", "new", p, "--bank", art_bank, "--bank", art_bank, timeout=60)
    assert res.returncode == 0, res.stderr
    res = run_vj("show", "check", p, timeout=60)
    assert res.returncode == 0 and "2 songs, 0 cues, 1 bank" in res.stdout, res.stdout + res.stderr
    assert one_line_error(run_vj("show", "new", p, "--bank", art_bank, timeout=60)).endswith(
        "exists; give --force to replace it")


def test_the_example_show_file_checks(tmp_path):
    """presets/shows/three-songs.toml names banks that `make demo` writes: it must at least
    be a valid show file apart from them."""
    from vj.show.file import read_show

    p = Path(__file__).resolve().parent.parent / "presets" / "shows" / "three-songs.toml"
    model, _ = read_show(p)
    assert len(model.song) == 3 and sum(len(s.cue) for s in model.song) >= 2


# -- the set list, pure ---------------------------------------------------------------------------

SET = """
    [[song]]
    name = "one"
    bank = "a"
    preset = "techno"
    levels = { master = 1.0, intensity = 0.2 }
      [[song.cue]]
      name = "drop"
      levels = { intensity = 0.9 }
      fade = 0.5
      [[song.cue]]
      preset = "jazz"
      position = 3
    [[song]]
    name = "two"
    bank = ["b", "a"]
    fx = { trail = 0.7 }
    """


def _setlist(tmp_path, body=SET):
    from vj.show.file import read_show
    from vj.show.setlist import SetList

    p = _show(tmp_path, body)
    return SetList(read_show(p)[0], tmp_path)


def test_go_back_and_jumps_walk_the_steps_and_cues_track(tmp_path):
    from vj.show.setlist import Cursor

    s = _setlist(tmp_path)
    c = Cursor(s)
    assert s.steps == [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert [c.go(), c.go(), c.go(), c.go(), c.go()] == [(0, 0), (0, 1), (0, 2), (1, 0), None]
    assert c.back() == (0, 2) and c.cue(1) == (0, 1) and c.song(2) == (1, 0)
    assert c.song(3) is None and c.step == (1, 0) and c.cue(5) is None
    # a jump to cue 2 gives the look of walking there; GO to it only what cue 2 names
    jump = s.look(0, 2)
    assert (jump.preset, jump.levels, jump.position) == ("jazz", {"master": 1.0, "intensity": 0.9}, 3)
    walked = s.look(0, 2, tracked=False)
    assert (walked.preset, walked.levels, walked.bank) == ("jazz", {}, None)
    assert s.look(1, 0).bank == str(tmp_path / "b") and s.look(1, 0).fx == {"trail": 0.7}
    assert s.banks() == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert s.label(0, 1) == "song 1/2 one, cue 1/2 drop"


def test_a_recorded_cue_goes_into_the_file_with_its_comments(tmp_path):
    from vj.show.file import read_show
    from vj.show.store import with_cue

    text = textwrap.dedent(SET).replace('name = "one"', 'name = "one"  # the opener')
    out = with_cue(text, 0, 1, {"name": "stored 3", "preset": "house", "position": 2.5,
                                "levels": {"master": 0.8}, "fx": {}, "bank": None})
    assert "# the opener" in out
    p = tmp_path / "out.toml"
    p.write_text(out)
    m, _ = read_show(p)
    cues = m.song[0].cue
    assert [c.name for c in cues] == ["drop", "stored 3", None]
    assert cues[1].preset == "house" and cues[1].levels.master == 0.8 and cues[1].position == 2.5


# -- the runner in a show's controls (no GL) -------------------------------------------------------

@pytest.fixture
def stage(tmp_path, art_bank, monkeypatch):
    """The runner with a real Controls, Library and Motion: what the render loop gives it."""
    monkeypatch.setenv("VJ_STATE", str(tmp_path / "state"))
    from vj.live.controls import Controls
    from vj.live.driving import Motion
    from vj.live.faults import Faults
    from vj.live.library import Library
    from vj.presets import load_presets
    from vj.show.runner import SetRunner

    body = SET.replace('"a"', f'"{art_bank}"').replace('"b"', f'"{art_bank}"')
    s = _setlist(tmp_path, body)
    faults = Faults()
    lib = Library(faults, decoder="image", device="cpu")
    lib.add(art_bank)
    controls = Controls(load_presets(None), lib, preset="techno", bank=lib.names()[0], hud=False,
                        auto=False)
    runner = SetRunner(s, show_file=tmp_path / "s.toml", faults=faults,
                       state_file=tmp_path / "state.json")
    controls.cues = runner
    show = SimpleNamespace(controls=controls, motion=Motion(10.0, 1.0), library=lib,
                           faults=faults)
    yield show, runner
    runner.close()


def test_go_glides_the_levels_over_the_cue_fade_and_leaves_a_moved_one_alone(stage):
    from vj.control.state import Command

    show, r = stage
    c, st = show.controls, show.controls.state
    r.tick(show, 0.0)                          # the first frame: song 1, at once
    assert (st.master, st.intensity) == (1.0, 0.2)
    c.apply(Command("go", None, "osc"), 10.0)
    r.tick(show, 10.0)
    assert st.intensity == pytest.approx(0.2)
    r.tick(show, 10.25)                        # half of the 0.5 s fade
    assert st.intensity == pytest.approx(0.55, abs=1e-6)
    r.tick(show, 10.6)
    assert st.intensity == pytest.approx(0.9)
    # GO to cue 2: preset and position; then BACK to cue 1 tracks the song's start
    c.apply(Command("go", None, "web"), 11.0)
    r.tick(show, 11.0)
    assert st.preset == "jazz" and show.motion.driver.position == 3.0
    c.apply(Command("back", None, "dmx"), 12.0)
    c.apply(Command("intensity", 0.1, "midi"), 12.0)   # the operator meanwhile
    r.tick(show, 12.0)
    c.apply(Command("intensity", 0.33, "midi"), 12.1)  # moved during the fade: theirs
    r.tick(show, 12.2)
    r.tick(show, 13.0)
    assert st.intensity == pytest.approx(0.33) and st.preset == "techno"
    assert r.cursor.step == (0, 1) and (r.gos, r.backs) == (2, 1)


def test_the_state_is_saved_and_restored(stage, tmp_path):
    from vj.control.state import Command
    from vj.show.autosave import load_state
    from vj.show.runner import SetRunner

    show, r = stage
    c = show.controls
    r.tick(show, 0.0)
    for cmd in (Command("song", 2), Command("master", 0.4), Command("fx", ("hue", 0.6)),
                Command("blackout", True)):
        c.apply(cmd, 1.0)
    r.tick(show, 1.0)
    r.tick(show, 5.0)                                       # fades done
    r.housekeeping(show, 5.0)
    r.writer.close()
    saved, why = load_state(r.autosave.path)
    assert saved is not None, why
    assert (saved["song"], saved["cue"], saved["levels"]["master"], saved["fx"]["hue"],
            saved["blackout"]) == (1, 0, 0.4, 0.6, True)
    # a new run from it
    r2 = SetRunner(r.set, show_file=r.show_file, faults=show.faults,
                   state_file=tmp_path / "other.json", resume=saved)
    c.apply(Command("master", 1.0), 6.0)
    c.apply(Command("blackout", False), 6.0)
    r2.tick(show, 6.0)
    st = c.state
    assert (st.master, st.fx.get("hue"), st.blackout, r2.cursor.step) == (0.4, 0.6, True, (1, 0))
    r2.close()


def test_a_cue_stored_from_the_stage_is_in_the_file_and_the_set(stage, tmp_path):
    from vj.control.state import Command
    from vj.show.file import read_show

    show, r = stage
    r.show_file.write_text(textwrap.dedent(SET.replace('"a"', '"x"').replace('"b"', '"y"')))
    r.tick(show, 0.0)
    show.controls.apply(Command("intensity", 0.77), 1.0)
    show.controls.apply(Command("cue_store"), 1.0)
    r.tick(show, 1.0)
    r.writer.close()
    m, _ = read_show(r.show_file)
    new = m.song[0].cue[0]
    assert new.name == "stored 3" and new.levels.intensity == pytest.approx(0.77)
    assert r.cursor.step == (0, 1) and len(r.set.songs[0].cue) == 3


def test_nothing_is_kept_per_go_whatever_the_length_of_the_set(stage):
    """A set runner walking a set list back and forth keeps no history: the bytes it
    keeps after 2000 steps are those of a few, not of 2000 (tracemalloc)."""
    from vj.control.state import Command

    show, r = stage
    r.tick(show, 0.0)
    t = [1.0]
    cmds = [Command("go"), Command("go"), Command("back"), Command("song", 2), Command("cue", 0),
            Command("song", 1)]

    def step():
        t[0] += 0.01
        show.controls.apply(cmds[int(t[0] * 100) % len(cmds)], t[0])
        r.tick(show, t[0])

    # 2000 steps keeping even 16 bytes each would be 32 kB
    assert grown_bytes(step, 2000) < 8_000


# -- the autosave survives kill -9 in the middle of a write ---------------------------------------

WRITER = """
import sys, json
from vj.runtime.state import write_atomic
n = 0
while True:
    n += 1
    write_atomic(sys.argv[1], json.dumps({"version": 1, "n": n, "pad": "x" * 20000}).encode())
"""


@pytest.mark.slow
def test_the_saved_state_always_parses_after_a_hundred_kills_during_saves(tmp_path):
    import random
    import subprocess
    import sys
    import time

    path = tmp_path / "state.json"
    rng = random.Random(7)
    seen = 0
    for _ in range(100):
        p = subprocess.Popen([sys.executable, "-c", WRITER, str(path)])
        # kill it after its first saves have begun (a save is a file of 20 kB, fsync'd)
        while not path.exists():
            time.sleep(0.001)
        time.sleep(rng.uniform(0.0, 0.03))
        p.kill()
        p.wait()
        d = json.loads(path.read_text())
        assert d["version"] == 1 and len(d["pad"]) == 20000
        seen = max(seen, d["n"])
    assert seen > 1
    # at most the one temporary file a kill left, whatever the number of kills
    assert sorted(f.name for f in tmp_path.iterdir()) in (["state.json"],
                                                          [".state.json.tmp", "state.json"])


def test_the_next_song_starts_when_the_music_stops_and_comes_back():
    from vj.show.advance import SilenceAdvance

    a = SilenceAdvance(3.0, min_music=10.0)
    t, fired = 0.0, []

    def run(seconds, level, stale=False):
        nonlocal t
        for _ in range(int(seconds * 60)):
            t += 1 / 60
            if a.update(t, level, stale):
                fired.append(round(t, 2))

    run(5, -120.0, stale=True)      # the room before the set: quiet, then music
    run(8, -20.0)
    run(4, -80.0)                   # a silence after 8 s of music: not a song yet
    run(5, -20.0)
    assert fired == []
    run(3.5, -75.0)                 # 13 s of music, then 3.5 s of quiet: the next song
    run(1, -18.0)
    assert len(fired) == 1 and a.advances == 1
    run(2, -90.0)                   # the new song has hardly begun: a break, not its end
    run(4, -20.0)
    assert len(fired) == 1
