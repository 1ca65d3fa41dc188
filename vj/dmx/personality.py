"""vj's DMX personality: what each channel does, read from ``presets/dmx/*.toml``
(the modes, channel by channel) and turned into values by :func:`Mode.decode`.
The fixture sheet (docs/live.md) and the fixture files (vj.dmx.fixture) are made
from the same tables.  Pure: no sockets, no show.

Functions (value ranges are DMX values, 0-255; 16-bit channels 0-65535):

* ``master``: the master dimmer, 0 = black, full = full (highest takes precedence
  when several desks send it).
* ``intensity``, ``speed``, ``fx/flash|trail|hue|strobe``, ``refine/strength|gain``:
  0 = the preset's own value; 1-full = 0 to 1 (speed 0.5 is the preset's pace, 1
  four times it; the refinement's, docs/refine.md).
* ``preset``, ``bank``, ``song``: 0 = keep; then :data:`SELECT_WIDTH` values per item,
  in the order ``vj presets`` lists them (banks: the order of ``--bank``; songs: the
  show file's set list, each selected at its start); past the list, keep.
* ``control``: the ranges of :data:`CONTROL`, acting as a range is entered.
* ``crossfade``: 0 = the show's default; 1-255 = 0 to 10 s.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from vj.control.state import FX_NAMES
from vj.errors import VjError

PERSONALITY_DIR = Path(__file__).resolve().parent.parent.parent / "presets" / "dmx"
LEVELS = ("master", "intensity", "speed") + tuple(f"fx/{n}" for n in FX_NAMES) + (
    "refine/strength", "refine/gain")
FUNCTIONS = LEVELS + ("preset", "bank", "control", "crossfade", "song")
#: DMX values per preset or bank on a select channel: 1-10 is the first, 11-20 the second...
SELECT_WIDTH = 10
SELECT_ITEMS = 25                 # 1-250; 251-255 keep
CROSSFADE_MAX = 10.0              # seconds at 255
#: The control channel: (from, to, action, what a desk's fixture sheet says)
CONTROL = (
    (0, 15, None, "no function"),
    (16, 31, "cut", "cut to another keyframe (once, on entering)"),
    (32, 47, "tap", "tap tempo (once, on entering)"),
    (48, 63, "blackout", "blackout while the value stays in this range"),
    (64, 79, "auto_on", "automatic genre on"),
    (80, 95, "auto_off", "automatic genre off"),
    (96, 111, "hud_on", "HUD on"),
    (112, 127, "hud_off", "HUD off"),
    (128, 143, "go", "GO: the next cue or song of the set list (once, on entering)"),
    (144, 159, "back", "BACK: the cue or song before (once, on entering)"),
    (160, 255, None, "no function (reserved)"),
)
TITLES = {"master": "Master dimmer", "intensity": "Intensity", "speed": "Speed",
          "fx/flash": "Beat flash", "fx/trail": "Trail", "fx/hue": "Hue shift",
          "fx/strobe": "Strobe", "preset": "Preset select", "bank": "Bank select",
          "control": "Control", "crossfade": "Crossfade time",
          "refine/strength": "Refine strength", "refine/gain": "Refine gain",
          "song": "Song select"}
#: The value a desk's fixture default should be (what leaves vj as it is, lit)
DEFAULTS = {f: 0 for f in FUNCTIONS} | {"master": 255}


@dataclass(frozen=True)
class Channel:
    function: str
    offset: int            # 0-based, from the fixture's start address
    fine: bool = False     # 16-bit: this channel is coarse, the next one fine

    @property
    def width(self) -> int:
        return 2 if self.fine else 1


@dataclass(frozen=True)
class Mode:
    name: str
    channels: tuple[Channel, ...]
    description: str = ""

    @property
    def footprint(self) -> int:
        return sum(c.width for c in self.channels)

    def decode(self, frame, address: int) -> dict:
        """Raw values (0-255, or 0-65535 for 16-bit) of each function, read from the
        universe ``frame`` with the fixture at ``address`` (1-512)."""
        base = address - 1
        out = {}
        for c in self.channels:
            i = base + c.offset
            out[c.function] = frame[i] << 8 | frame[i + 1] if c.fine else frame[i]
        return out

    def htp_slots(self, address: int) -> list[tuple[int, ...]]:
        """The universe slots merged highest-takes-precedence: the master dimmer."""
        return [tuple(range(address - 1 + c.offset, address - 1 + c.offset + c.width))
                for c in self.channels if c.function == "master"]


@dataclass(frozen=True)
class Personality:
    name: str
    manufacturer: str
    description: str
    modes: dict

    def mode(self, name: str) -> Mode:
        try:
            return self.modes[name]
        except KeyError:
            raise VjError(f"DMX mode {name!r} does not exist; modes: "
                          f"{', '.join(self.modes)}") from None


def load_personality(path: str | Path | None = None) -> Personality:
    p = Path(path) if path else PERSONALITY_DIR / "vj.toml"
    try:
        d = tomllib.loads(p.read_text())
    except OSError as e:
        raise VjError(f"{p}: cannot read the DMX personality ({e.strerror or e})") from None
    except tomllib.TOMLDecodeError as e:
        raise VjError(f"{p}: not valid TOML ({e})") from None
    modes = {}
    for name, m in (d.get("modes") or {}).items():
        chans, off = [], 0
        for spec in m.get("channels") or []:
            fn, _, bits = str(spec).partition(":")
            if fn not in FUNCTIONS:
                raise VjError(f"{p} [modes.{name}]: unknown function {fn!r}; functions: "
                              f"{', '.join(FUNCTIONS)}")
            if bits not in ("", "8", "16") or (bits == "16" and fn not in LEVELS):
                raise VjError(f"{p} [modes.{name}]: {spec!r}: only levels can be 16-bit")
            if any(c.function == fn for c in chans):
                raise VjError(f"{p} [modes.{name}]: {fn!r} twice")
            chans.append(Channel(fn, off, bits == "16"))
            off += chans[-1].width
        if not chans:
            raise VjError(f"{p} [modes.{name}]: no channels")
        modes[name] = Mode(name, tuple(chans), str(m.get("description", "")))
    if not modes:
        raise VjError(f"{p}: no [modes]")
    return Personality(str(d.get("name", p.stem)), str(d.get("manufacturer", "")),
                       str(d.get("description", "")), modes)


# -- from raw values to what the show understands ------------------------------------------------

def level(raw: int, fine: bool, zero_is_default: bool) -> float | None:
    """0..1 from a level channel; None for "the preset's own value"."""
    full = 65535 if fine else 255
    if not zero_is_default:
        return raw / full
    return None if raw == 0 else (raw - 1) / (full - 1)


def select(raw: int, count: int) -> int | None:
    """The 0-based item a select channel picks, or None (keep)."""
    if raw == 0:
        return None
    i = (raw - 1) // SELECT_WIDTH
    return i if i < min(count, SELECT_ITEMS) else None


def control_action(raw: int) -> str | None:
    for lo, hi, action, _ in CONTROL:
        if lo <= raw <= hi:
            return action
    return None


def crossfade_seconds(raw: int) -> float | None:
    return None if raw == 0 else (raw - 1) / 254 * CROSSFADE_MAX


def select_ranges(names: list[str]) -> list[tuple[int, int, str]]:
    """(from, to, name) of each item on a select channel, for fixture sheets."""
    return [(1 + i * SELECT_WIDTH, (i + 1) * SELECT_WIDTH, n)
            for i, n in enumerate(names[:SELECT_ITEMS])]
