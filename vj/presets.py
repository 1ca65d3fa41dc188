"""Genre presets (docs/presets.md): a style for the prior, motion and FX defaults.

Presets are TOML files, one per genre, in ``presets/genres/`` of the project
and in any folder given by ``--presets`` or the ``VJ_PRESETS`` environment
variable (folders separated by ``:``); a user preset with the same name
replaces the built-in one.  Every problem is reported as a :class:`PresetError`
naming the file, the line and the key.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from vj.errors import VjError

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "presets"
ENV_VAR = "VJ_PRESETS"

#: The 23 genre labels (docs/presets.md).
GENRES = ("pop", "rock", "punk", "jazz", "blues", "indie", "classical", "country", "folk",
          "electronic", "techno", "electro", "house", "gospel", "latin", "metal", "rap",
          "hip hop", "reggae", "reggaeton", "funk", "disco", "r&b")
MOODS = ("happy", "sad", "tender", "exciting", "angry", "scary", "funny")
FX_KEYS = ("flash", "trail", "hue", "strobe")
_ALIASES = {"rnb": "r&b", "randb": "r&b", "rhythmandblues": "r&b", "hiphop": "hip hop"}


#: [refine] of a preset: strength with no music, and the gain on percussive energy/onsets
REFINE_DEFAULTS = {"strength": 0.1, "gain": 0.35}


class PresetError(VjError):
    """A preset file is malformed, or a preset name is unknown."""


@dataclass(frozen=True)
class Style:
    movement: str
    palette: tuple[str, ...]
    mood: str
    motifs: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Motion:
    segment: float = 10.0
    speed: float = 1.0
    intensity: float = 0.5
    weights: tuple[float, float] = (0.9, 0.1)


@dataclass(frozen=True)
class Preset:
    name: str
    style: Style
    motion: Motion = field(default_factory=Motion)
    fx: dict = field(default_factory=dict)
    path: Path | None = None
    style_from: str | None = None
    #: the live refinement's strength with no music and its gain (docs/refine.md)
    refine: dict = field(default_factory=lambda: dict(REFINE_DEFAULTS))

    def style_text(self, mood: str | None = None, moods: dict | None = None) -> str:
        """The style description, with the mood's modifier appended."""
        text = self.style.text
        if mood:
            text = f"{text}, {(moods or load_moods())[check_mood(mood)]}"
        return text


def slug(name: str) -> str:
    s = re.sub(r"[\s_\-]+", "", name.strip().lower())
    return _ALIASES.get(s, s).replace(" ", "")


def _line_of(text: str, table: str | None, key: str) -> int | None:
    """Line number (1-based) of ``key = ...`` inside ``[table]`` (None: top level)."""
    current = None
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        m = re.match(r"^\[\s*([^\]]+?)\s*\]", s)
        if m:
            current = m.group(1)
            continue
        if current == table and re.match(rf"^\"?{re.escape(key)}\"?\s*=", s):
            return i
    return None


class _Checker:
    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, table: str | None, key: str, msg: str) -> PresetError:
        line = _line_of(self.text, table, key)
        where = f"{self.path}" + (f", line {line}" if line else "")
        full = f"{table}.{key}" if table else key
        return PresetError(f"{where}, key '{full}': {msg}")

    def get(self, d: dict, table, key, kind, *, required=True, default=None):
        if key not in d:
            if required:
                raise self.fail(table, key, "is missing")
            return default
        v = d[key]
        ok = isinstance(v, kind) and not (kind in (int, float, (int, float)) and isinstance(v, bool))
        if not ok:
            name = {str: "a string", list: "a list", dict: "a table"}.get(kind, "a number")
            raise self.fail(table, key, f"must be {name}, got {v!r}")
        return v

    def number(self, d, table, key, lo, hi, default):
        v = self.get(d, table, key, (int, float), required=False, default=default)
        if not lo <= v <= hi:
            raise self.fail(table, key, f"must be between {lo:g} and {hi:g}, got {v!r}")
        return float(v)

    def only(self, d: dict, table, allowed) -> None:
        for k in d:
            if k not in allowed:
                raise self.fail(table, k, f"unknown key (valid: {', '.join(allowed)})")


def _parse(path: Path) -> tuple[dict, _Checker]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PresetError(f"{path}: cannot read the preset ({e})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PresetError(f"{path}: invalid TOML: {e}") from None
    return data, _Checker(path, text)


def _style(c: _Checker, d: dict) -> Style:
    c.only(d, "style", ("movement", "palette", "mood", "motifs", "text"))
    palette = c.get(d, "style", "palette", list)
    for col in palette:
        if not (isinstance(col, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", col)):
            raise c.fail("style", "palette", f"colours must look like \"#rrggbb\", got {col!r}")
    motifs = c.get(d, "style", "motifs", list)
    if not all(isinstance(m, str) for m in motifs):
        raise c.fail("style", "motifs", "must be a list of strings")
    text = c.get(d, "style", "text", str).strip()
    if not text:
        raise c.fail("style", "text", "must not be empty")
    return Style(c.get(d, "style", "movement", str), tuple(palette), c.get(d, "style", "mood", str),
                 tuple(motifs), text)


def load_preset_file(path: str | os.PathLike, styles: dict[str, Style] | None = None) -> Preset:
    """Read and validate one preset file.  ``styles`` resolves ``style_from``."""
    path = Path(path)
    data, c = _parse(path)
    c.only(data, None, ("name", "style_from", "style", "motion", "fx", "refine"))
    name = c.get(data, None, "name", str).strip()
    if not name:
        raise c.fail(None, "name", "must not be empty")
    style_from = c.get(data, None, "style_from", str, required=False)
    if "style" in data:
        style = _style(c, c.get(data, None, "style", dict))
    elif style_from is not None:
        if styles is None or slug(style_from) not in styles:
            raise c.fail(None, "style_from", f"no preset named {style_from!r} has a [style]")
        style = styles[slug(style_from)]
    else:
        raise c.fail(None, "style", "is missing (give a [style] table or style_from)")
    m = c.get(data, None, "motion", dict, required=False, default={})
    c.only(m, "motion", ("segment", "speed", "intensity", "weights"))
    weights = c.get(m, "motion", "weights", list, required=False, default=[0.9, 0.1])
    if len(weights) != 2 or not all(isinstance(w, (int, float)) and not isinstance(w, bool)
                                    and w >= 0 for w in weights):
        raise c.fail("motion", "weights", "must be two numbers >= 0 (percussive, harmonic)")
    motion = Motion(c.number(m, "motion", "segment", 1.0, 600.0, 10.0),
                    c.number(m, "motion", "speed", 0.0, 10.0, 1.0),
                    c.number(m, "motion", "intensity", 0.0, 1.0, 0.5),
                    (float(weights[0]), float(weights[1])))
    f = c.get(data, None, "fx", dict, required=False, default={})
    c.only(f, "fx", FX_KEYS)
    fx = {k: c.number(f, "fx", k, 0.0, 1.0, 0.0) for k in FX_KEYS}
    r = c.get(data, None, "refine", dict, required=False, default={})
    c.only(r, "refine", tuple(REFINE_DEFAULTS))
    refine = {k: c.number(r, "refine", k, 0.0, 1.0, v) for k, v in REFINE_DEFAULTS.items()}
    return Preset(name, style, motion, fx, path, style_from, refine)


def preset_dirs(extra: list[str | os.PathLike] | None = None) -> list[Path]:
    dirs = [BUILTIN_DIR / "genres"]
    env = os.environ.get(ENV_VAR, "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += [Path(p) for p in (extra or [])]
    return dirs


def load_presets(extra_dirs: list[str | os.PathLike] | None = None) -> dict[str, Preset]:
    """All presets by slug; later folders override earlier ones."""
    files: dict[str, Path] = {}
    for i, d in enumerate(preset_dirs(extra_dirs)):
        if not d.is_dir():
            if i == 0:
                raise PresetError(f"{d}: the built-in presets are missing (broken install?)")
            raise PresetError(f"{d}: preset folder does not exist (from --presets or {ENV_VAR})")
        for p in sorted(d.glob("*.toml")):
            files[p.stem] = p
    # two passes: presets with their own [style] first, then those that borrow one
    parsed: dict[str, Preset] = {}
    styles: dict[str, Style] = {}
    pending = []
    for p in files.values():
        data, _ = _parse(p)
        if "style" in data:
            pr = load_preset_file(p)
            parsed[slug(pr.name)] = pr
            styles[slug(pr.name)] = pr.style
        else:
            pending.append(p)
    for p in pending:
        pr = load_preset_file(p, styles)
        parsed[slug(pr.name)] = pr
    return parsed


def get_preset(name: str, extra_dirs=None) -> Preset:
    presets = load_presets(extra_dirs)
    key = slug(name)
    if key not in presets:
        valid = ", ".join(sorted(p.name for p in presets.values()))
        raise PresetError(f"genre {name!r} does not exist; valid genres: {valid}")
    return presets[key]


def load_moods() -> dict[str, str]:
    path = BUILTIN_DIR / "moods.toml"
    data, c = _parse(path)
    for m in MOODS:
        c.get(data, None, m, str)
    return data


def check_mood(mood: str) -> str:
    m = mood.strip().lower()
    if m not in MOODS:
        raise PresetError(f"mood {mood!r} does not exist; valid moods: {', '.join(MOODS)}")
    return m


def template_prompt(genre: str, mood: str | None = None) -> str:
    """The method's alternative style: "<mood> <genre> music album cover"."""
    return " ".join(x for x in (mood and check_mood(mood), genre.strip(), "music album cover") if x)
