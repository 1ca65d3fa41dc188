"""The show file's ``[options]``: any ``vj live`` option by its long name, checked by
``vj live``'s own parser (the same types, ranges and choices as on the command line),
and merged under the command line: what the command line gives wins.

    [options]
    audio-file = "songs/rehearsal.flac"   # paths are relative to the show file
    web = "8080"
    desk = "grandma3"
    fullscreen = true
    ndi = ["vj main"]
"""
from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from vj.show.file import ShowFileError, resolve

#: Options that name files or folders: relative to the show file's folder.
PATH_OPTIONS = frozenset(("audio_file", "bank", "presets", "shaders", "bank_dir",
                          "summary_json", "dmx_personality"))
#: Options that take a name or a file: a path when it looks like one.
NAME_OR_FILE = frozenset(("desk", "midi_map"))
#: Options of the command line only.
NOT_IN_FILE = frozenset(("show", "resume", "supervise", "hang_after", "func", "live_argv"))
_UNSET = object()


def _actions(parser: argparse.ArgumentParser) -> dict:
    """Long option name (``osc-port``) -> its action, for every option a file may set."""
    from vj.options import Renamed

    out = {}
    for a in parser._actions:
        if isinstance(a, (Renamed, argparse._HelpAction)) or a.dest in NOT_IN_FILE:
            continue
        for s in a.option_strings:
            if s.startswith("--"):
                out[s[2:]] = a
                break
    return out


def file_options(parser: argparse.ArgumentParser, options: dict, *, path: Path,
                 base: Path) -> dict:
    """``[options]`` -> {dest: value}, each value converted as the command line would;
    :class:`ShowFileError` with one line for a bad one."""
    acts = _actions(parser)
    out = {}
    for key, value in options.items():
        name = str(key).replace("_", "-")
        a = acts.get(name)
        if a is None:
            near = difflib.get_close_matches(name, list(acts), n=1)
            raise ShowFileError(f"{path}: [options] unknown option {key!r}"
                                + (f" (did you mean {near[0]!r}?)" if near else
                                   "; see vj live --help"))
        try:
            out[a.dest] = _convert(a, value, base)
        except (argparse.ArgumentTypeError, ValueError, TypeError) as e:
            raise ShowFileError(f"{path}: [options] {key}: {e}") from None
    return out


def _convert(a: argparse.Action, value, base: Path):
    if a.nargs == 0:                                   # a switch: true or false
        if not isinstance(value, bool):
            raise TypeError(f"true or false, got {value!r}")
        return bool(a.const) if value else a.default
    if isinstance(a, argparse._AppendAction):
        items = value if isinstance(value, list) else [value]
        return [_one(a, v, base) for v in items]
    if isinstance(value, (list, dict)):
        raise TypeError(f"one value, got {type(value).__name__}")
    return _one(a, value, base)


def _one(a: argparse.Action, value, base: Path):
    if isinstance(value, (list, dict)):
        raise TypeError(f"a value, got {type(value).__name__}")
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if a.dest in PATH_OPTIONS or (a.dest in NAME_OR_FILE and (text.endswith(".toml")
                                                              or "/" in text)):
        text = resolve(base, text)
    v = a.type(text) if a.type is not None else text
    if a.choices is not None and v not in a.choices:
        raise ValueError(f"{value!r} is not one of {', '.join(map(str, a.choices))}")
    return v


class _Empty(list):
    """An append option's value before the command line: still empty if not given."""


def given_on_command_line(parser: argparse.ArgumentParser, argv: list[str]) -> set[str]:
    """The dests the command line ``argv`` (after ``live``) sets itself."""
    ns = argparse.Namespace(**{a.dest: _Empty() if isinstance(a, argparse._AppendAction)
                               else _UNSET for a in parser._actions})
    parser.parse_args(argv, namespace=ns)
    return {k for k, v in vars(ns).items()
            if v is not _UNSET and not (isinstance(v, _Empty) and not v)}


def merge(args: argparse.Namespace, parser: argparse.ArgumentParser, argv: list[str],
          from_file: dict) -> argparse.Namespace:
    """``args`` with the file's values wherever the command line gave none."""
    given = given_on_command_line(parser, argv)
    for dest, v in from_file.items():
        if dest not in given:
            setattr(args, dest, v)
    return args
