"""What a web client may send: one JSON object per message (WebSocket or
``POST /api/command``), validated into levels and :class:`Command` objects.  Pure.

    {"set": "master" | "intensity" | "speed" | "fx/flash" | ..., "value": 0..1}
    {"preset": "techno"}   {"bank": "name"}   {"do": "cut" | "tap" | "go" | "back" | ...}
    {"song": 2}            {"cue": 1}         (the set list: song from 1, cue from 0)
    {"blackout": true}     {"auto": false}    {"hud": true}
    {"preview": true}      (this client's preview stream on or off)
"""
from __future__ import annotations

import json
import math

from vj.control.state import FX_NAMES, Command

LEVELS = ("master", "intensity", "speed") + tuple(f"fx/{n}" for n in FX_NAMES)
SWITCHES = ("blackout", "auto", "hud")
MAX_MESSAGE = 4096          # bytes: a message is a few dozen
MAX_NAME = 256
MAX_STEP = 10_000
DO = ("cut", "tap", "preset_next", "preset_prev", "go", "back", "cue_store")


class Refused(Exception):
    """A message that is not one of the above (counted by ``kind``, never applied)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def parse(text: str | bytes, names: dict | None = None) -> tuple:
    """One message -> ("level", target, value), ("command", Command) or
    ("preview", bool); raises :class:`Refused`.  ``names``: {"preset": [...], "bank":
    [...]}, the names a message may use."""
    if len(text) > MAX_MESSAGE:
        raise Refused("too long")
    try:
        m = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise Refused("not JSON") from None
    except RecursionError:      # 2000 nested "[" fit in the size limit
        raise Refused("nested too deeply") from None
    if not isinstance(m, dict) or len(m) > 2:
        raise Refused("not a command object")
    if "set" in m:
        target, v = m.get("set"), m.get("value")
        if target not in LEVELS:
            raise Refused("unknown level", repr(str(target)[:40]))
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or not 0.0 <= v <= 1.0:
            raise Refused(str(target), "a number 0..1")
        return "level", target, float(v)
    if len(m) != 1:
        raise Refused("one key per command")
    (key, v), = m.items()
    if key in ("preset", "bank"):
        if not isinstance(v, str) or not v or len(v) > MAX_NAME:
            raise Refused(key, "a name")
        if names is not None and v not in names.get(key, ()):
            raise Refused(f"unknown {key}", repr(v[:40]))
        return "command", Command(key, v, "web")
    if key == "do":
        if v not in DO:
            raise Refused("do", f"{', '.join(DO)}, not {str(v)[:40]!r}")
        return "command", Command(v, None, "web")
    if key in ("song", "cue"):
        low = 1 if key == "song" else 0
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= MAX_STEP:
            raise Refused(key, f"a whole number {low}..{MAX_STEP}")
        return "command", Command(key, v, "web")
    if key in SWITCHES or key == "preview":
        if not isinstance(v, bool):
            raise Refused(key, "true or false")
        return ("preview", v) if key == "preview" else ("command", Command(key, v, "web"))
    raise Refused("unknown command", repr(str(key)[:40]))
