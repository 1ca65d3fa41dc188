"""``vj live --show SHOW.toml``: the show file read, checked and merged into the
command line's options before the show starts.  A broken file stops here with one
line (:class:`~vj.show.file.ShowFileError`): no show starts on it."""
from __future__ import annotations

import logging
from pathlib import Path

from vj.show.file import ShowFileError, read_show, resolve

log = logging.getLogger("vj.show")


def check_presets(model, presets: dict, path: Path) -> None:
    from vj.presets import slug

    for i, s in enumerate(model.song):
        for j, look in enumerate([s, *s.cue]):
            if look.preset and slug(look.preset) not in presets:
                where = f"song[{i + 1}]" + (f".cue[{j}]" if j else "")
                raise ShowFileError(f"{path}: {where}.preset: {look.preset!r} does not exist "
                                    "(vj presets lists them)")


def check_banks(folders: list[str], path: Path) -> None:
    for b in folders:
        if not (Path(b) / "manifest.json").is_file():
            raise ShowFileError(f"{path}: bank {b}: not a bank folder (no manifest.json; "
                                "vj prepare makes one)")


def load_for_live(args, parser, argv: list[str]):
    """Merge the show file into ``args`` (the command line wins) and return
    (the set list, the saved state to resume from or None)."""
    from vj.errors import VjError
    from vj.presets import load_presets
    from vj.show.autosave import load_state, state_path
    from vj.show.options import file_options, merge
    from vj.show.setlist import SetList

    path = Path(args.show)
    model, _ = read_show(path)
    base = path.resolve().parent
    merge(args, parser, argv, file_options(parser, model.options, path=path, base=base))
    setlist = SetList(model, base)
    if args.timecode == "mtc" and not args.midi_in:
        raise VjError("--timecode mtc: give --midi-in PORT (the DAW's or the desk's MTC out)")
    if args.timecode == "ltc" and not args.ltc_channel:
        raise VjError("--timecode ltc: give --ltc-channel N (the input channel with the LTC)")
    check_presets(model, load_presets(args.presets), path)
    extra = [resolve(base, b) for b in args.bank or []]
    check_banks(setlist.banks() + extra, path)
    saved = None
    if args.resume:
        saved, why = load_state(state_path(path))
        if saved is None:
            log.warning("--resume: %s; starting at song 1", why)
    song, cue = (int(saved.get("song", 0)), int(saved.get("cue", 0))) if saved else (0, 0)
    if setlist.index(song, cue) is None:
        song, cue = 0, 0
    look = setlist.look(song, cue)
    first = (saved or {}).get("bank") or look.bank
    banks = [first] + [b for b in setlist.banks() + extra if b != first]
    if first not in setlist.banks() + extra:      # a bank of the saved state, since gone
        banks = banks[1:]
    args.bank = banks
    if args.preset is None:
        args.preset = (saved or {}).get("preset") or look.preset
    return setlist, saved
