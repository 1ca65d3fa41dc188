"""``vj show new`` (a commented starting file, one song per bank) and ``vj show check``
(a show file validated as the show would read it, without starting one)."""
from __future__ import annotations

import os
from pathlib import Path

from vj.show.file import ShowFileError, read_show, resolve

HEAD = """\
# vj show file: the set list, its cues and the rig (docs/live.md, "Running a set").
#   vj show check {name}                   validate it
#   vj live --show {name}                  run it (supervised: it comes back if it dies)
#   vj live --show {name} --resume         start where the last run stopped
name = "{title}"

# Any `vj live` option by its long name (vj live --help); the command line wins.
# Paths are relative to this file.
[options]
# audio-file = "rehearsal.flac"   # rehearse with a file instead of the input
# input-device = "Scarlett"
# monitor = "1"
# fullscreen = true
# web = "8080"                    # the web remote (its token is kept in vj's state folder)
# osc-port = 7000
# desk = "grandma3"
# dmx = "sacn:1"
# dmx-address = 101
"""

SONG = """
[[song]]
name = "{name}"
bank = "{bank}"
preset = "{preset}"
# levels = {{ master = 1.0, intensity = 0.5, speed = 0.5 }}
# fx = {{ flash = 0.6, trail = 0.3 }}
# fade = 2.0                      # seconds to this song's look (default 1.5)
# timecode = "00:00:00:00"
"""

CUE = """
  # a cue: GO steps to it; what it leaves out stays as it is
  # [[song.cue]]
  # name = "drop"
  # preset = "electro"
  # position = 4                  # keyframe position
  # levels = {{ intensity = 0.9 }}
  # fade = 0.5
"""


def new_show(path: str | Path, banks: list[str], *, force: bool = False) -> Path:
    from vj.bank import load_bank
    from vj.errors import VjError
    from vj.presets import load_presets, slug

    p = Path(path)
    if p.exists() and not force:
        raise VjError(f"{p} exists; give --force to replace it")
    presets = load_presets(None)
    text = HEAD.format(name=p.name, title=p.stem.replace("-", " ").replace("_", " "))
    for i, b in enumerate(banks):
        try:
            bank = load_bank(b)
        except VjError as e:
            raise VjError(f"--bank {b}: {e}") from None
        genre = bank.manifest.get("genre")
        preset = presets[slug(genre)].name if genre and slug(genre) in presets else "electronic"
        rel = os.path.relpath(Path(b).resolve(), p.resolve().parent)
        text += SONG.format(name=f"song {i + 1}", bank=rel, preset=preset)
        if i == 0:
            text += CUE.format()
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def check_show(path: str | Path, parser) -> str:
    """Every check the show makes before it starts; the one line of the first failure
    (:class:`ShowFileError`), or a summary of the set."""
    from vj.bank import load_bank
    from vj.errors import VjError
    from vj.presets import load_presets
    from vj.show.load import check_banks, check_presets
    from vj.show.options import file_options
    from vj.show.setlist import SetList

    p = Path(path)
    model, _ = read_show(p)
    opts = file_options(parser, model.options, path=p, base=p.resolve().parent)
    check_presets(model, load_presets(opts.get("presets")), p)
    setlist = SetList(model, p.resolve().parent)
    folders = setlist.banks() + [resolve(p.resolve().parent, b) for b in opts.get("bank") or []]
    check_banks(folders, p)          # as the show checks them, then each loaded whole
    for b in folders:
        try:
            load_bank(b)
        except VjError as e:
            raise ShowFileError(f"{p}: bank {b}: {e}") from None
    cues = sum(len(s.cue) for s in model.song)
    return (f"{p}: {len(model.song)} song{'s' * (len(model.song) != 1)}, {cues} "
            f"cue{'s' * (cues != 1)}, {len(setlist.banks())} bank"
            f"{'s' * (len(setlist.banks()) != 1)}, {len(opts)} option"
            f"{'s' * (len(opts) != 1)}: ok")
