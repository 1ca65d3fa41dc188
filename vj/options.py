"""The options the ``vj`` commands share, defined once: one size syntax (``--size 512``
or ``--size 1280x720``), ``--json FILE`` (``-`` for standard output), ``--decoder`` as
a backend from a fixed list, numbers range-checked at parse time with one line, and
old spellings that still work for one release with a deprecation line."""
from __future__ import annotations

import argparse
import sys

#: Sizes of pictures, windows and outputs (pixels per side).
SIZE_RANGE = (16, 8192)


def hosts(text: str) -> list[str]:
    """argparse type: HOST,HOST,... (names or addresses)."""
    out = [h.strip() for h in text.split(",") if h.strip()]
    if not out:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST,HOST,...")
    return out


def resolve_hosts(names: list[str] | None, option: str) -> set[str] | None:
    """``--osc-allow`` / ``--dmx-allow`` / ``--web-allow``: the addresses packets come
    from (None: any); a name that does not resolve stops the show with one line."""
    import socket

    from vj.errors import VjError

    if not names:
        return None
    out = set()
    for h in names:
        try:
            out.add(socket.gethostbyname(h))
        except OSError:
            raise VjError(f"{option}: cannot resolve host {h!r}") from None
    return out


def ranged(kind, lo=None, hi=None, *, above: float | None = None):
    """argparse type: a ``kind`` (int or float) in ``[lo, hi]`` (``above``: strictly
    greater than it), refused with one line naming the range."""
    def parse(text: str):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {'a whole number' if kind is int else 'a number'}") from None
        if v != v or (above is not None and not v > above) or (lo is not None and v < lo) \
                or (hi is not None and v > hi):
            if above is not None:
                want = f"above {above:g}" + (f" and at most {hi:g}" if hi is not None else "")
            elif hi is None:
                want = f"at least {lo:g}"
            else:
                want = f"between {lo:g} and {hi:g}"
            raise argparse.ArgumentTypeError(f"{text!r}: must be {want}")
        return v

    return parse


positive_float = ranged(float, above=0.0)
nonneg_float = ranged(float, 0.0)
positive_int = ranged(int, 1)
#: frames per second of a show, a video or a bench
fps = ranged(float, above=0.0, hi=1000.0)
video_fps = ranged(int, 1, 240)
port = ranged(int, 1, 65535)


def size(text: str) -> tuple[int, int]:
    """``512`` (a square) or ``1280x720`` -> ``(width, height)``."""
    lo, hi = SIZE_RANGE
    try:
        parts = [int(x) for x in text.lower().replace(" ", "").split("x")]
    except ValueError:
        parts = []
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a size such as 512 or 1280x720")
    w, h = parts
    if not (lo <= w <= hi and lo <= h <= hi):
        raise argparse.ArgumentTypeError(f"{text!r}: sizes between {lo} and {hi} pixels")
    return w, h


def square(text: str) -> int:
    """A square size: ``512`` (or ``512x512``) -> 512."""
    w, h = size(text)
    if w != h:
        raise argparse.ArgumentTypeError(f"{text!r}: the frames are square; give one number")
    return w


def host_port(text: str) -> tuple[str, int]:
    host, _, p = text.rpartition(":")
    if not host or not p.isdigit() or not 0 < int(p) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:PORT")
    return host, int(p)


def web_address(text: str) -> tuple[str, int]:
    """``PORT`` (every interface) or ``HOST:PORT``."""
    host, _, port_s = text.rpartition(":")
    try:
        p = int(port_s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: [HOST:]PORT") from None
    if not 1 <= p <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: the port is 1-65535")
    return host or "0.0.0.0", p


def input_channels(text: str) -> list[int]:
    """``3,4``: channels of an input, numbered from 1 -> 0-based."""
    try:
        chans = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give channel numbers like 3,4") from None
    if not chans or min(chans) < 1 or len(set(chans)) != len(chans):
        raise argparse.ArgumentTypeError(f"{text!r}: channel numbers from 1, each once")
    return [c - 1 for c in chans]


class Renamed(argparse.Action):
    """An old option name that still works, with a line saying the new one."""

    def __init__(self, option_strings, dest, new: str, **kw) -> None:
        self.new = new
        super().__init__(option_strings, dest, **kw)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"vj: {option_string} is now {self.new}; the old name goes in the next "
              "release", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_size(p, *, default=None, help: str, square_only: bool = False, old: str | None = None,
             dest: str = "size") -> None:
    """``--size`` (``old``: a previous name of it, kept working with a deprecation line)."""
    kind = square if square_only else size
    p.add_argument("--size", dest=dest, type=kind, default=default,
                   metavar="N" if square_only else "N|WxH", help=help)
    if old:
        p.add_argument(old, dest=dest, type=kind, action=Renamed, new="--size",
                       help=argparse.SUPPRESS)


class _Json(argparse.Action):
    """``--json FILE``; ``--json`` alone (the old flag) writes to standard output."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        if values is None:
            print("vj: --json without a FILE is now --json - (standard output); the old form "
                  "goes in the next release", file=sys.stderr)
            values = "-"
        setattr(namespace, self.dest, values)


def add_json(p, what: str) -> None:
    p.add_argument("--json", metavar="FILE", nargs="?", action=_Json, default=None,
                   help=f"write {what} as JSON to FILE (- for standard output)")


def write_json(path: str | None, data) -> None:
    """``data`` as JSON to ``path`` (``-``: standard output; None: nothing)."""
    import json
    from pathlib import Path

    if path is None:
        return
    text = json.dumps(data, indent=2, default=str)
    if path == "-":
        print(text)
    else:
        Path(path).write_text(text + "\n")


def add_refine(p) -> None:
    p.add_argument("--refine", metavar="MODEL",
                   help="refine each frame with a one-step diffusion model whose strength "
                   "follows the music (docs/refine.md): sd-turbo (SD-Turbo and TAESD, fetched "
                   "once, about 5 GB), a hub id, or a folder; off by default")
    p.add_argument("--refine-steps", type=ranged(int, 1, 2), default=1, metavar="N",
                   help="UNet steps per frame, 1 (default) or 2")


def add_fit(p) -> None:
    from vj.render.fit import FITS

    p.add_argument("--fit", default="auto", choices=FITS,
                   help="a picture on an output of another shape: contain (whole, black bars), "
                   "cover (fills it, the edges cropped), stretch; auto (default): cover when "
                   "the shapes differ by more than 3 %%, contain otherwise (also /vj/fit)")


def add_decoder(p, *, default: str = "auto", what: str = "model banks") -> None:
    from vj.decode import BACKENDS

    p.add_argument("--decoder", default=default, choices=BACKENDS,
                   help=f"decoder backend for {what}: {', '.join(BACKENDS)} (default {default})")


def add_device(p) -> None:
    p.add_argument("--device", default="auto", help="torch device for model banks: auto, cpu, "
                   "cuda or cuda:N (default auto)")


def energy_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("energy analysis")
    g.add_argument("--margin", type=positive_float, default=None,
                   help="HPSS separation margin (default 1.0; the method's code used 5.0)")
    g.add_argument("--weights", type=nonneg_float, nargs=2, metavar=("P", "H"), default=None,
                   help="percussive and harmonic weights (default 0.9 0.1, the paper's)")


def energy_params(args, base=None):
    """The energy settings from ``--margin``/``--weights``, on top of ``base`` (the
    offline defaults unless given, e.g. the live settings)."""
    from vj.audio.energy import EnergyParams

    kw = {}
    if getattr(args, "margin", None) is not None:
        kw["margin"] = args.margin
    if getattr(args, "weights", None) is not None:
        kw["weights"] = tuple(args.weights)
    return base.with_(**kw) if base is not None else EnergyParams(**kw)
