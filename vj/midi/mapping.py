"""A controller's mapping, TOML like the OSC desk profiles, and what a message does.

```toml
name = "nanokontrol2"
[cc]                       # "CC" (any channel) or "CHANNEL:CC" (1-16) -> target
"0" = "master"
"16" = "fx/trail"
[note]                     # note number -> trigger
"41" = "cut"
[pitchbend]
target = "speed"
```

Levels (``master``, ``intensity``, ``speed``, ``fx/<name>``) take a CC's 0..127 or the
pitch bend's range as 0..1, with *soft takeover*: a control moves its level only once
it has reached the level's current value (a fader left low does not jump the show to
black when it is touched).  Triggers (``cut``, ``tap``, ``preset_next``,
``preset_prev``, ``preset/NAME``, ``bank/NAME``, the set list's ``go``, ``back`` and
``cue_store``, and the toggles ``blackout``, ``hud``, ``auto``) fire on a note-on, or on
a CC button's press (value crossing 64 upwards).
Pure: no ports, no threads.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from vj.control.state import FX_NAMES, Command, ShowState
from vj.control.takeover import SoftTakeover
from vj.errors import VjError

MAP_DIR = Path(__file__).resolve().parent.parent.parent / "presets" / "midi"
LEVEL_TARGETS = ("master", "intensity", "speed") + tuple(f"fx/{n}" for n in FX_NAMES) + (
    "refine/strength", "refine/gain")
TRIGGERS = ("cut", "tap", "preset_next", "preset_prev", "blackout", "hud", "auto", "go", "back",
            "cue_store")
TOGGLES = ("blackout", "hud", "auto")


def check_target(t: str, where: str) -> str:
    if t in LEVEL_TARGETS or t in TRIGGERS or (t.startswith(("preset/", "bank/")) and
                                                 len(t.split("/", 1)[1]) > 0):
        return t
    raise VjError(f"{where}: unknown target {t!r}; valid: {', '.join(LEVEL_TARGETS + TRIGGERS)}"
                  ", preset/NAME, bank/NAME")


def _cc_key(key: str, where: str) -> tuple[int | None, int]:
    try:
        ch, _, cc = key.rpartition(":")
        chan = int(ch) - 1 if ch else None
        num = int(cc)
    except ValueError:
        raise VjError(f"{where}: {key!r} is not a CC number or CHANNEL:CC") from None
    if not 0 <= num <= 127 or (chan is not None and not 0 <= chan <= 15):
        raise VjError(f"{where}: {key!r} out of range (CC 0-127, channel 1-16)")
    return chan, num


@dataclass
class MidiMap:
    name: str = "custom"
    description: str = ""
    cc: dict = field(default_factory=dict)       # (channel or None, cc) -> target
    note: dict = field(default_factory=dict)     # note -> target
    pitchbend: str | None = None

    @classmethod
    def load(cls, name_or_path: str | Path | None) -> "MidiMap":
        p = Path(name_or_path or "generic")
        if not p.suffix and not p.exists():
            p = MAP_DIR / f"{p.name}.toml"
            if not p.is_file():
                names = sorted(f.stem for f in MAP_DIR.glob("*.toml"))
                raise VjError(f"MIDI map {name_or_path!r} does not exist; built in: "
                              f"{', '.join(names)} (or a .toml file)")
        try:
            d = tomllib.loads(p.read_text())
        except OSError as e:
            raise VjError(f"{p}: cannot read the MIDI map ({e.strerror or e})") from None
        except tomllib.TOMLDecodeError as e:
            raise VjError(f"{p}: not valid TOML ({e})") from None
        m = cls(str(d.get("name", p.stem)), str(d.get("description", "")))
        for k, t in (d.get("cc") or {}).items():
            m.cc[_cc_key(k, f"{p} [cc]")] = check_target(str(t), f"{p} [cc] {k}")
        for k, t in (d.get("note") or {}).items():
            n = _cc_key(k, f"{p} [note]")[1]
            m.note[n] = check_target(str(t), f"{p} [note] {k}")
        pb = (d.get("pitchbend") or {}).get("target")
        if pb is not None:
            if pb not in LEVEL_TARGETS:
                raise VjError(f"{p} [pitchbend]: target must be a level ({', '.join(LEVEL_TARGETS)})")
            m.pitchbend = pb
        return m

    def to_toml(self) -> str:
        lines = [f'name = "{self.name}"', f'description = "{self.description}"', "", "[cc]"]
        for (ch, cc), t in sorted(self.cc.items(), key=lambda kv: (kv[0][0] or -1, kv[0][1])):
            lines.append(f'"{cc if ch is None else f"{ch + 1}:{cc}"}" = "{t}"')
        lines += ["", "[note]"] + [f'"{n}" = "{t}"' for n, t in sorted(self.note.items())]
        if self.pitchbend:
            lines += ["", "[pitchbend]", f'target = "{self.pitchbend}"']
        return "\n".join(lines) + "\n"

    def save(self, path: str | Path) -> Path:
        p = Path(path)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(self.to_toml())
        tmp.replace(p)
        return p

    def target_of(self, msg) -> tuple[str | None, float | None]:
        """(target, value) of a mido message: value 0..1 for a level, 1.0 for a press,
        0.0 for a release; (None, None) for anything unmapped."""
        t = msg.type
        if t == "control_change":
            tgt = self.cc.get((msg.channel, msg.control)) or self.cc.get((None, msg.control))
            return (tgt, msg.value / 127.0) if tgt else (None, None)
        if t in ("note_on", "note_off"):
            tgt = self.note.get(msg.note)
            on = t == "note_on" and msg.velocity > 0
            return (tgt, 1.0 if on else 0.0) if tgt else (None, None)
        if t == "pitchwheel" and self.pitchbend:
            return self.pitchbend, (msg.pitch + 8192) / 16383.0
        return None, None


def current(state: ShowState, target: str, fx_defaults: dict | None = None,
            refine_defaults: dict | None = None) -> float:
    """The show's value of a level target (the preset's where nothing overrides it)."""
    if target.startswith("fx/"):
        name = target[3:]
        return float(state.fx.get(name, (fx_defaults or {}).get(name, 0.0)))
    if target.startswith("refine/"):
        name = target[7:]
        return float(state.refine.get(name, (refine_defaults or {}).get(name, 0.0)))
    return float(getattr(state, target))


class Translator:
    """Messages to commands, with soft takeover for levels and edge detection for CC
    buttons.  One per input; called from the render loop with the state of the moment."""

    def __init__(self, mapping: MidiMap, *, soft: bool = True) -> None:
        self.map, self.soft = mapping, soft
        self.takeover = SoftTakeover("midi", soft=soft)
        self._pressed: dict = {}     # target -> CC button state

    def __call__(self, msg, state: ShowState, fx_defaults: dict | None = None,
                 refine_defaults: dict | None = None) -> Command | None:
        target, v = self.map.target_of(msg)
        if target is None:
            return None
        if target in LEVEL_TARGETS:
            return self.takeover.level(target, v, current(state, target, fx_defaults,
                                                          refine_defaults))
        if msg.type == "control_change":          # a button on a CC: act on the press
            was = self._pressed.get(target, False)
            self._pressed[target] = v >= 0.5
            if was or v < 0.5:
                return None
        elif v < 0.5:
            return None                            # note-off
        return trigger(target, state)


def trigger(target: str, state: ShowState) -> Command:
    if target.startswith("preset/"):
        return Command("preset", target.split("/", 1)[1], "midi")
    if target.startswith("bank/"):
        return Command("bank", target.split("/", 1)[1], "midi")
    if target in TOGGLES:
        return Command(target, not getattr(state, target), "midi")
    return Command(target, None, "midi")
