"""`vj dmx fixture` (the fixture files desks import), `vj dmx monitor` (the channels vj
receives, decoded by the personality, for patching without a show), and the DMX
options of `vj live` (docs/live.md, "DMX")."""
from __future__ import annotations

import argparse
import sys

from vj.options import hosts, ranged


def dmx_source(text: str) -> tuple[str, int]:
    """``artnet[:UNIVERSE]`` (port-address 0-32767, default 0) or ``sacn[:UNIVERSE]``
    (1-63999, default 1)."""
    kind, _, u = text.lower().partition(":")
    if kind not in ("artnet", "sacn"):
        raise argparse.ArgumentTypeError(f"{text!r}: artnet[:UNIVERSE] or sacn[:UNIVERSE]")
    try:
        universe = int(u) if u else (0 if kind == "artnet" else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: the universe is a number") from None
    lo, hi = (0, 32767) if kind == "artnet" else (1, 63999)
    if not lo <= universe <= hi:
        raise argparse.ArgumentTypeError(f"{text!r}: {kind} universes are {lo}-{hi}")
    return kind, universe


def add_dmx_options(p, *, show: bool = True) -> None:
    """The DMX input's options (vj live; vj dmx monitor without the loss rules)."""
    p.add_argument("--dmx", type=dmx_source, metavar="artnet[:U]|sacn[:U]",
                   default=None,
                   help="take DMX from a lighting desk: Art-Net (UDP 6454, universe = "
                   "port-address, default 0) or sACN/E1.31 (UDP 5568, multicast and unicast, "
                   "default universe 1)")
    p.add_argument("--dmx-address", type=ranged(int, 1, 512), default=1, metavar="N",
                   help="the fixture's start channel (default 1)")
    p.add_argument("--dmx-mode", default="basic",
                   help="personality mode: basic (12 channels, default) or extended (16); "
                   "`vj dmx fixture` writes the fixture files")
    p.add_argument("--dmx-personality", metavar="TOML", help="another personality file")
    p.add_argument("--dmx-host", metavar="ADDRESS",
                   help="the network interface's address: Art-Net binds it and announces it "
                   "to ArtPoll, sACN joins its multicast group there (default: all)")
    p.add_argument("--dmx-allow", type=hosts, metavar="HOST,...",
                   help="only these hosts may send DMX (default any)")
    if show:
        p.add_argument("--dmx-loss", default="hold", choices=["hold", "blackout", "release"],
                       help="when no DMX arrives for --dmx-loss-after seconds: hold the look "
                       "(default), fade to black, or release control to OSC/MIDI/keyboard")
        p.add_argument("--dmx-loss-after", type=ranged(float, 0.5, 60), default=3.0,
                       metavar="S", help="seconds without DMX before it counts as lost (3)")
        p.add_argument("--dmx-ignore-blank", action="store_true",
                       help="ignore a universe whose vj channels are all 0 (a desk that starts "
                       "or restarts sends zeros until a cue raises them) until one changes")


def cmd_dmx(args) -> int:
    from vj.dmx.personality import load_personality

    p = load_personality(args.dmx_personality)
    if args.dmx_command == "fixture":
        return _fixture(args, p)
    return _monitor(args, p)


def _fixture(args, p) -> int:
    from vj.dmx.fixture import gdtf, qxf, sheet
    from vj.presets import load_presets

    modes = [args.dmx_mode] if args.dmx_mode != "all" else list(p.modes)
    for m in modes:
        p.mode(m)  # an unknown mode: one line, before anything is written
    presets = sorted(x.name for x in load_presets(args.presets).values())
    banks = list(args.banks or [])
    if args.format == "sheet":
        data = "\n".join(sheet(p, p.mode(m), presets, banks) for m in modes).encode()
    elif args.format == "gdtf":
        data = gdtf(p, modes, presets, banks)
    else:
        data = qxf(p, modes, presets, banks)
    if args.out in (None, "-"):
        if args.format == "gdtf":
            print("vj: a GDTF file is a zip archive: give -o FILE.gdtf", file=sys.stderr)
            return 2
        sys.stdout.write(data.decode())
        return 0
    from pathlib import Path

    out = Path(args.out)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    print(f"{args.format} fixture: {out} ({', '.join(modes)}; {len(presets)} presets)")
    return 0


def _monitor(args, p) -> int:
    """Print the decoded channels whenever they change (Ctrl-C or --seconds to end)."""
    import time

    from vj.dmx.receiver import DmxReceiver
    from vj.errors import VjError

    if args.dmx is None:
        raise VjError("vj dmx monitor needs --dmx artnet[:U] or sacn[:U]")
    mode = p.mode(args.dmx_mode)
    if not 1 <= args.dmx_address <= 513 - mode.footprint:
        raise VjError(f"--dmx-address {args.dmx_address}: mode {mode.name} takes "
                      f"{mode.footprint} channels")
    rx = DmxReceiver(*args.dmx, host=args.dmx_host, allow=args.dmx_allow,
                     htp=mode.htp_slots(args.dmx_address))
    print(f"listening: {rx.describe()} on {rx.address[0]}:{rx.address[1]}, fixture at "
          f"{args.dmx_address} ({mode.name}, {mode.footprint} channels)", flush=True)
    frame, seq, last = bytearray(512), 0, None
    end = time.monotonic() + args.seconds if args.seconds else None
    rx.start()
    try:
        while end is None or time.monotonic() < end:
            time.sleep(0.05)
            seq_new = rx.read(frame, seq)
            if seq_new == seq or rx.last_packet == 0.0:
                continue
            seq = seq_new
            values = mode.decode(frame, args.dmx_address)
            if values != last:
                last = values
                srcs = ", ".join(f"{n} (priority {pr})" for n, pr in rx.merger.sources())
                print(" ".join(f"{k}={v}" for k, v in values.items()) + f"   from {srcs}",
                      flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        rx.stop()
    print(f"{rx.good} packets of the universe, {rx.packets} in all, {rx.bad} bad"
          + (f" ({', '.join(f'{k}: {v}' for k, v in rx.by_kind.items())})" if rx.by_kind else ""))
    return 0


def add_dmx_parser(sub) -> None:
    p = sub.add_parser("dmx", help="DMX: fixture files for lighting desks, a channel monitor",
                       description="`vj dmx fixture --dmx-mode basic --format gdtf -o vj.gdtf` "
                       "writes the fixture a desk imports (GDTF; qxf for QLC+; sheet: the fixture sheet "
                       "as Markdown). `vj dmx monitor --dmx artnet:0` prints what vj receives, "
                       "decoded by the personality.")
    p.add_argument("dmx_command", choices=["fixture", "monitor"])
    p.add_argument("--format", choices=["gdtf", "qxf", "sheet"], default="gdtf",
                   help="fixture: file format (default gdtf)")
    p.add_argument("-o", "--out", metavar="FILE", help="fixture: file to write (sheet and qxf: "
                   "standard output without it)")
    p.add_argument("--presets", action="append", metavar="DIR",
                   help="fixture: extra preset folders (their presets get ranges too)")
    p.add_argument("--banks", nargs="+", metavar="NAME",
                   help="fixture: the bank names, in --bank order, to name their ranges")
    p.add_argument("--seconds", type=ranged(float, above=0), metavar="S",
                   help="monitor: stop after S seconds (default: Ctrl-C)")
    add_dmx_options(p, show=False)
    p.set_defaults(func=cmd_dmx)
