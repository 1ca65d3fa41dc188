"""The show file (``vj live --show SHOW.toml``): the set list, its cues, and the rig's
options, read with :mod:`tomllib` and validated with pydantic (docs/live.md, "Running
a set").

pydantic rather than msgspec: both validate TOML's dicts into typed models, and
pydantic's errors carry the full location of the bad value (``song[2].cue[1].fade``)
and its constraint (``<= 60``), which become the one line a user reads, with the line
of the file found from that location and the nearest known key for a misspelt one.
The ``[options]`` table is checked by ``vj live``'s own argument parser instead
(:mod:`vj.show.options`): the same types, ranges and choices as on the command line.
"""
from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vj.errors import VjError

#: SMPTE timecode, non-drop (``:``) or drop-frame (``;`` before the frames)
TIMECODE = re.compile(r"^(\d{2}):([0-5]\d):([0-5]\d)[:;.](\d{2})$")
MAX_FADE = 60.0      # s, as /vj/crossfade
MAX_SONGS = 500      # a set of 10-25 songs; a whole festival's in one file at most
MAX_CUES = 200       # per song


class ShowFileError(VjError):
    """A show file that cannot be used; the message is the one line the user reads."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_level = Field(default=None, ge=0.0, le=1.0)


class Levels(_Strict):
    master: float | None = _level
    intensity: float | None = _level
    speed: float | None = _level


class Fx(_Strict):
    flash: float | None = _level
    trail: float | None = _level
    hue: float | None = _level
    strobe: float | None = _level


class Refine(_Strict):
    strength: float | None = _level
    gain: float | None = _level


class Look(_Strict):
    """What a song's start or a cue sets; what it leaves out stays as it is."""
    preset: str | None = Field(default=None, min_length=1, max_length=256)
    levels: Levels = Levels()
    fx: Fx = Fx()
    refine: Refine = Refine()
    position: float | None = Field(default=None, ge=0.0, le=1e6)   # keyframe position
    fade: float | None = Field(default=None, ge=0.0, le=MAX_FADE)   # s
    timecode: str | None = None

    @field_validator("timecode")
    @classmethod
    def _timecode(cls, v):
        if v is not None and not TIMECODE.match(v):
            raise ValueError("a timecode is HH:MM:SS:FF (drop-frame HH:MM:SS;FF)")
        return v


class Cue(Look):
    name: str | None = Field(default=None, max_length=256)
    bank: str | None = Field(default=None, min_length=1)


class Song(Look):
    name: str = Field(min_length=1, max_length=256)
    bank: str | list[str]
    cue: list[Cue] = Field(default=[], max_length=MAX_CUES)

    @field_validator("bank")
    @classmethod
    def _banks(cls, v):
        if isinstance(v, list) and (not v or not all(v)):
            raise ValueError("one bank folder or a list of them")
        return v

    @property
    def banks(self) -> list[str]:
        return [self.bank] if isinstance(self.bank, str) else list(self.bank)


class ShowModel(_Strict):
    name: str | None = None
    options: dict[str, Any] = {}
    song: list[Song] = Field(min_length=1, max_length=MAX_SONGS)


# -- reading ------------------------------------------------------------------------------------

def read_show(path: str | Path) -> tuple[ShowModel, str]:
    """The show file validated, and its text; :class:`ShowFileError` with one line
    (file, line, key, what is wrong) otherwise."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise ShowFileError(f"{p}: cannot read the show file ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise ShowFileError(f"{p}: not a text file (a show file is TOML)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ShowFileError(f"{p}: not valid TOML ({e})") from None
    try:
        return ShowModel.model_validate(data), text
    except ValidationError as e:
        raise ShowFileError(describe(p, text, e.errors()[0])) from None


def describe(path: Path, text: str, err: dict) -> str:
    """One line for pydantic's first error: where (line, key) and what is wrong."""
    loc = tuple(err.get("loc", ()))
    # a union (bank = "x" | ["x"]) reports under the member's name: drop it
    loc = tuple(x for x in loc if x not in ("str", "list[str]"))
    where = key_path(loc)
    line = line_of(text, loc)
    at = f"line {line}, " if line else ""
    kind, msg = err.get("type", ""), err.get("msg", "")
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        near = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else (
            f"; known: {', '.join(known)}" if known else "")
        return f"{path}: {at}unknown key {where!r}{hint}"
    if kind == "missing":
        return f"{path}: {at}{where}: missing (every song needs a name and a bank)" \
            if loc and loc[-1] in ("name", "bank") else f"{path}: {at}{where}: missing"
    got = err.get("input")
    shown = "" if isinstance(got, (dict, list)) else f", got {got!r}"
    return f"{path}: {at}{where}: {msg.lower()}{shown}"


def key_path(loc: tuple) -> str:
    out = ""
    for x in loc:
        out += f"[{x + 1}]" if isinstance(x, int) else (f".{x}" if out else str(x))
    return out or "(the file)"


def _known_keys(parent: tuple) -> list[str]:
    model: Any = ShowModel
    for x in parent:
        if isinstance(x, int):
            continue
        field = model.model_fields.get(x)
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        model = next((a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)),
                     None)
        if model is None:
            return []
    return sorted(model.model_fields)


def line_of(text: str, loc: tuple) -> int | None:
    """The line (from 1) a validation error's location points at, or None: the n-th
    ``[[song]]`` header for an index, then the first ``key =`` (or ``[table.key]``)
    after it."""
    lines = text.splitlines()
    at, prefix = 0, []
    for i, x in enumerate(loc):
        if isinstance(x, int):
            name = ".".join(prefix)
            header = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
            n = -1
            for j in range(at, len(lines)):
                if header.match(lines[j]):
                    n += 1
                    if n == x:
                        at = j
                        break
            else:
                return None
            continue
        prefix.append(str(x))
        if i + 1 < len(loc) and isinstance(loc[i + 1], int):
            continue             # an array of tables: its n-th header is the place
        key = re.compile(rf"(^|[{{,\s]){re.escape(str(x))}\s*=|^\s*\[{re.escape('.'.join(prefix))}\]")
        for j in range(at, len(lines)):
            if key.search(lines[j].split("#", 1)[0]):
                at = j
                break
        else:
            return at + 1 if i else None
    return at + 1


def resolve(base: Path, folder: str) -> str:
    """A path in the show file, relative to the file's own folder."""
    import os

    p = Path(folder).expanduser()
    return os.path.normpath(p if p.is_absolute() else (base / p))
