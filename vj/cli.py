"""The `vj` command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vj import __version__
from vj.errors import VjError


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be > 0")
    return v


def _nonneg_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v >= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0")
    return v


def _energy_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("energy analysis")
    g.add_argument("--margin", type=float, default=None,
                   help="HPSS separation margin (default 1.0; the method's code used 5.0)")
    g.add_argument("--weights", type=float, nargs=2, metavar=("P", "H"), default=None,
                   help="percussive and harmonic weights (default 0.9 0.1, the paper's)")


def _params(args):
    from vj.audio.energy import EnergyParams

    kw = {}
    if getattr(args, "margin", None) is not None:
        kw["margin"] = args.margin
    if getattr(args, "weights", None) is not None:
        kw["weights"] = tuple(args.weights)
    return EnergyParams(**kw)


# -- commands ------------------------------------------------------------------------------

def cmd_demo(args) -> int:
    from vj.demo import run_demo

    res = run_demo(args.out, duration=args.duration, size=args.size, fps=args.fps,
                   progress=not args.quiet)
    print(f"demo video: {res.path.resolve()}  ({res.frames} frames, {res.width}x{res.height}, "
          f"{res.fps} fps, {res.duration:.2f} s, with audio)")
    return 0


def cmd_analyze(args) -> int:
    from vj.analyze import analyze, format_table, plot
    from vj.audio.sources import load

    params = _params(args)
    y = load(args.song, sr=params.sr)
    curve, bounds, onsets, rows = analyze(y, params=params, segment=args.segment)
    print(f"{args.song}: {len(y) / params.sr:.2f} s, {len(onsets)} onsets, "
          f"{len(rows)} segments of {args.segment:g} s")
    print(format_table(rows))
    if args.plot:
        plot(y, curve, bounds, onsets, args.plot, title=Path(args.song).name)
        print(f"figure: {args.plot}")
    return 0


def cmd_record(args) -> int:
    from vj.record import record

    res = record(args.song, args.bank, args.output, fps=args.fps, size=args.size,
                 interp=args.interp, segment=args.segment, start=args.start,
                 duration=args.duration, progress=not args.quiet)
    print(f"wrote {res.path} ({res.frames} frames, {res.width}x{res.height}, {res.fps} fps, "
          f"{res.duration:.2f} s)")
    return 0


def cmd_prepare(args) -> int:
    from vj.bank import save_bank
    from vj.generate.images import image_bank

    if not args.images:
        raise VjError("this build makes image-mode banks only: give --images FILE... or a "
                      "folder (Kandinsky banks come with the model issue)")
    bank = image_bank(args.images, size=args.size, genre=args.genre, name=Path(args.bank).name)
    path = save_bank(bank, args.bank, force=args.force)
    print(f"bank {path}: {bank.count} keyframes, {args.size}x{args.size}, image mode")
    return 0


def cmd_bench(args) -> int:
    from vj.bench import bench_audio, machine, one_core

    if args.what == "audio":
        pin = one_core()
        r = bench_audio(seconds=args.seconds, params=_params(args))
        print(f"machine: {machine()} ({pin})")
        print(f"streaming energy: {r['audio_seconds']:.1f} s of audio in {r['wall_seconds']:.3f} s"
              f" = {r['realtime_factor']:.0f}x real time on one core")
        print(f"per block of {r['block_samples']} samples ({r['block_ms']:.1f} ms): "
              f"median {r['block_us_median']:.1f} us, p99 {r['block_us_p99']:.1f} us")
    return 0


def cmd_devices(args) -> int:
    from vj.audio.sources import input_devices

    devices = input_devices()
    if not devices:
        print("no audio inputs found")
    for d in devices:
        print(f"{d['index']:3d}  {d['name']}  ({d['channels']} ch, {d['samplerate']:.0f} Hz)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="vj", description="Real-time visuals that move with the music: keyframe banks, "
        "live show, offline recording and the AV-sync score.")
    ap.add_argument("--version", action="version", version=f"vj {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("demo", help="render the demo video (image mode, nothing downloaded)",
                       description="Generate a demo song and artwork, build an image bank and "
                       "render an MP4 with the song as soundtrack.")
    p.add_argument("--out", default="demo-output", help="output folder (default: demo-output)")
    p.add_argument("--duration", type=_positive_float, default=30.0,
                   help="song length in seconds (default 30)")
    p.add_argument("--size", type=int, default=512, help="frame size in pixels (default 512)")
    p.add_argument("--fps", type=int, default=30, help="frames per second (default 30)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("analyze", help="energy and onsets of a song, per segment",
                       description="Print per-segment energy statistics and onset counts; "
                       "optionally draw the method's figure.")
    p.add_argument("song", help="audio file (wav, flac, ogg, mp3, m4a, ...)")
    p.add_argument("--segment", type=_positive_float, default=10.0,
                   help="segment length in seconds (default 10, the method's)")
    p.add_argument("--plot", metavar="PNG", help="write the figure to this PNG file")
    _energy_options(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("record", help="render a song through a bank to a video file",
                       description="Offline render to H.264 video with the song as AAC audio, "
                       "on a fixed time step (same input, same frames).")
    p.add_argument("song", help="audio file")
    p.add_argument("--bank", required=True, help="bank folder (from vj prepare)")
    p.add_argument("-o", "--output", required=True, help="output video (.mp4, .mov, .mkv)")
    p.add_argument("--fps", type=int, default=30, help="frames per second (default 30)")
    p.add_argument("--size", type=int, default=None, help="frame size (default: the bank's)")
    p.add_argument("--interp", choices=["energy", "linear", "online"], default="energy",
                   help="driver: energy (the method), linear, or online (the live driver)")
    p.add_argument("--segment", type=_positive_float, default=10.0,
                   help="seconds per keyframe transition (default 10)")
    p.add_argument("--start", type=_nonneg_float, default=0.0, help="start time in the song (s)")
    p.add_argument("--duration", type=_positive_float, default=None, help="length to render (s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("prepare", help="make a keyframe bank",
                       description="Make a keyframe bank. Image mode: --images with picture "
                       "files or folders; each becomes a keyframe, resized and centre-cropped.")
    p.add_argument("--images", nargs="+", metavar="IMAGE", help="pictures or folders of pictures")
    p.add_argument("--bank", required=True, help="bank folder to write")
    p.add_argument("--size", type=int, default=512, help="keyframe size in pixels (default 512)")
    p.add_argument("--genre", default=None, help="genre label stored in the manifest")
    p.add_argument("--force", action="store_true", help="replace an existing bank folder")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("bench", help="measure speed (prints numbers)",
                       description="Benchmarks. audio: the streaming energy engine on one core.")
    p.add_argument("what", choices=["audio"], help="what to measure")
    p.add_argument("--seconds", type=_positive_float, default=60.0,
                   help="seconds of synthetic audio (default 60)")
    _energy_options(p)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("devices", help="list audio inputs",
                       description="List the audio inputs PortAudio can open (name and index "
                       "for --input-device).")
    p.set_defaults(func=cmd_devices)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except VjError as e:
        print(f"vj: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("vj: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
