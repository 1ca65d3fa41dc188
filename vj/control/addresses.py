"""The OSC address space (docs/design.md, section 6): validation of one message.

:func:`parse_message` turns an address and its arguments into a
:class:`Command` or raises :class:`BadMessage` with the kind of problem
(used to count and log bad packets once per kind).  Desk profiles rescale
integer levels (0..100, 0..255) and may alias desk addresses to vj's.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from vj.control.state import FITS, FX_NAMES, REFINE_LEVELS, Command
from vj.errors import VjError

PROFILE_DIR = Path(__file__).resolve().parent.parent.parent / "presets" / "osc"
MAX_STRING = 256
MAX_STEP = 10_000          # the highest song or cue number
#: Addresses that fire once on a press (a 0 is the button's release)
TRIGGERS = {"/vj/preset/next": "preset_next", "/vj/preset/prev": "preset_prev", "/vj/cut": "cut",
            "/vj/tap": "tap", "/vj/status": "status", "/vj/go": "go", "/vj/back": "back",
            "/vj/cue/store": "cue_store"}


class BadMessage(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


@dataclass(frozen=True)
class DeskProfile:
    name: str
    description: str = ""
    #: Full scale of numeric levels this desk sends (1 = floats 0..1; 100; 255).
    level_range: float = 1.0
    #: Desk address -> vj address.
    aliases: dict = field(default_factory=dict)


def load_profile(name_or_path: str | None) -> DeskProfile:
    if not name_or_path:
        name_or_path = "generic"
    p = Path(name_or_path)
    if not p.is_file():
        p = PROFILE_DIR / f"{name_or_path.lower()}.toml"
    if not p.is_file():
        valid = ", ".join(sorted(f.stem for f in PROFILE_DIR.glob("*.toml")))
        raise VjError(f"desk profile {name_or_path!r} does not exist; profiles: {valid}")
    try:
        d = tomllib.loads(p.read_text())
    except (tomllib.TOMLDecodeError, OSError) as e:
        raise VjError(f"{p}: invalid desk profile ({e})") from None
    rng = d.get("level_range", 1)
    if not isinstance(rng, (int, float)) or rng not in (1, 100, 255):
        raise VjError(f"{p}: key 'level_range' must be 1, 100 or 255, got {rng!r}")
    aliases = d.get("aliases", {})
    if not isinstance(aliases, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in aliases.items()):
        raise VjError(f"{p}: [aliases] must map desk addresses to vj addresses (strings)")
    return DeskProfile(str(d.get("name", p.stem)), str(d.get("description", "")), float(rng),
                       dict(aliases))


def _number(args, address) -> float:
    if len(args) != 1:
        raise BadMessage("wrong argument count", f"{address} takes one number, got {len(args)}")
    x = args[0]
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise BadMessage("wrong type", f"{address} takes a number, got {type(x).__name__}")
    if not math.isfinite(x):
        raise BadMessage("not finite", f"{address} got {x}")
    return float(x)


def _level(args, address, profile: DeskProfile) -> float:
    """A 0..1 level; ints (and floats > 1) are read on the desk's scale."""
    x = _number(args, address)
    scale = profile.level_range
    if scale != 1 and (isinstance(args[0], int) or x > 1.0):
        x = x / scale
    if not 0.0 <= x <= 1.0:
        raise BadMessage("out of range", f"{address} got {args[0]} (0..1"
                         + (f" or 0..{int(scale)}" if scale != 1 else "") + ")")
    return x


def _switch(args, address, profile: DeskProfile) -> bool:
    """0/1 (or a desk level: on from half of its range), or an OSC True/False."""
    if len(args) == 1 and isinstance(args[0], bool):
        return args[0]
    return _level(args, address, profile) >= 0.5


def _name(args, address) -> str:
    if len(args) != 1 or not isinstance(args[0], str):
        raise BadMessage("wrong type", f"{address} takes one string")
    s = args[0].strip()
    if not s or len(s) > MAX_STRING or not s.isprintable():
        raise BadMessage("bad string", f"{address} got a string of {len(args[0])} characters")
    return s


def _step(args, address, *, lowest: int) -> int:
    """A song or cue number (a whole number; desks often send it as a float)."""
    x = _number(args, address)
    if x != int(x) or not lowest <= x <= MAX_STEP:
        raise BadMessage("out of range", f"{address} takes a whole number {lowest}..{MAX_STEP}, "
                         f"got {args[0]}")
    return int(x)


def _none(args, address) -> None:
    # desks often send a trigger with a 1 (press) and 0 (release): act on press only
    if len(args) > 1:
        raise BadMessage("wrong argument count", f"{address} takes no argument")
    if args and not (isinstance(args[0], (int, float, bool)) and not isinstance(args[0], str)):
        raise BadMessage("wrong type", f"{address} takes no argument")


#: Bytes each OSC 1.0/1.1 type tag takes in the arguments (strings and blobs vary).
_TAG_SIZE = {**dict.fromkeys("ifrmc", 4), **dict.fromkeys("dht", 8),
             **dict.fromkeys("TFNI[]", 0)}


def _string_end(dgram: bytes, start: int) -> int:
    """Where the padded OSC string starting at ``start`` ends (-1: no terminator)."""
    end = dgram.find(b"\0", start)
    return -1 if end < 0 else (end + 4) & ~3


def arguments_complete(dgram: bytes) -> bool:
    r"""Does the message ``dgram`` hold every argument its type tags name?  python-osc
    pads a float cut short with zeros (for Reaktor), so a truncated ``/vj/master``
    would otherwise arrive as 0: a blackout from a broken packet.

    >>> arguments_complete(b"/vj/master\0\0,f\0\0\x3f\0\0\0")
    True
    >>> arguments_complete(b"/vj/master\0\0,f\0\0")
    False
    """
    off = _string_end(dgram, 0)
    if off < 0 or off >= len(dgram) or dgram[off:off + 1] != b",":
        return off >= 0                 # no type tags: no arguments
    tags_end = dgram.find(b"\0", off)
    if tags_end < 0:
        return False
    tags = dgram[off + 1:tags_end].decode("ascii", errors="replace")
    off = (tags_end + 4) & ~3
    for t in tags:
        if t in ("s", "S"):
            off = _string_end(dgram, off)
            if off < 0:
                return False
        elif t == "b":
            if off + 4 > len(dgram):
                return False
            off += 4 + ((int.from_bytes(dgram[off:off + 4], "big") + 3) & ~3)
        elif t in _TAG_SIZE:
            off += _TAG_SIZE[t]
        else:
            return False                # a type vj does not know: refused as malformed
        if off > len(dgram):
            return False
    return True


def parse_message(address: str, args: list, profile: DeskProfile) -> Command | None:
    """One OSC message -> a Command (None for a trigger release), or BadMessage."""
    address = profile.aliases.get(address, address)
    if not address.startswith("/vj/"):
        raise BadMessage("unknown address", address[:64])
    if address == "/vj/preset":
        return Command("preset", _name(args, address))
    if address in TRIGGERS:
        _none(args, address)
        if args and not args[0]:
            return None  # button release
        return Command(TRIGGERS[address])
    if address in ("/vj/song", "/vj/cue"):
        return Command(address[4:], _step(args, address, lowest=1 if address == "/vj/song" else 0))
    if address == "/vj/bank":
        return Command("bank", _name(args, address))
    if address == "/vj/fit":
        fit = _name(args, address).lower()
        if fit not in FITS:
            raise BadMessage("out of range", f"/vj/fit takes {', '.join(FITS)}")
        return Command("fit", fit)
    if address in ("/vj/intensity", "/vj/speed", "/vj/master"):
        return Command(address[4:], _level(args, address, profile))
    if address in ("/vj/blackout", "/vj/auto", "/vj/hud"):
        return Command(address[4:], _switch(args, address, profile))
    if address == "/vj/bpm":
        bpm = _number(args, address)
        if not 20.0 <= bpm <= 400.0:
            raise BadMessage("out of range", f"/vj/bpm takes 20..400, got {bpm}")
        return Command("bpm", bpm)
    if address.startswith("/vj/refine/"):
        name = address[len("/vj/refine/"):]
        if name not in REFINE_LEVELS:
            raise BadMessage("unknown address", address[:64])
        return Command("refine", (name, _level(args, address, profile)))
    if address.startswith("/vj/fx/"):
        name = address[len("/vj/fx/"):]
        if name not in FX_NAMES:
            raise BadMessage("unknown address", address[:64])
        return Command("fx", (name, _level(args, address, profile)))
    raise BadMessage("unknown address", address[:64])
