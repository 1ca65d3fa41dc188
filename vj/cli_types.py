"""argparse types and option groups shared by the `vj` commands."""
from __future__ import annotations

import argparse


def number(strict: bool):
    """argparse type: a float > 0 (strict) or >= 0."""
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (v > 0 if strict else v >= 0):
            raise argparse.ArgumentTypeError(f"{text!r} must be {'>' if strict else '>='} 0")
        return v

    return parse


positive_float, nonneg_float = number(True), number(False)



def host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:PORT")
    return host, int(port)


def size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected WIDTHxHEIGHT, e.g. 1920x1080") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"{text!r}: sizes between 16 and 8192")
    return w, h


def energy_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("energy analysis")
    g.add_argument("--margin", type=float, default=None,
                   help="HPSS separation margin (default 1.0; the method's code used 5.0)")
    g.add_argument("--weights", type=float, nargs=2, metavar=("P", "H"), default=None,
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


