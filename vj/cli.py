"""The `vj` command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vj import __version__
from vj.errors import VjError
from vj.options import (
    add_decoder,
    add_device,
    add_fit,
    add_json,
    add_refine,
    positive_int,
    size,
    square,
    video_fps,
    write_json,
)
from vj.options import energy_options as _energy_options
from vj.options import energy_params as _params
from vj.options import nonneg_float as _nonneg_float
from vj.options import positive_float as _positive_float

# -- commands ------------------------------------------------------------------------------

def cmd_demo(args) -> int:
    from vj.demo import run_demo

    res = run_demo(args.out, duration=args.duration, size=args.size, fps=args.fps,
                   progress=not args.quiet)
    print(f"demo video: {res.path.resolve()}  ({res.frames} frames, {res.width}x{res.height}, "
          f"{res.fps} fps, {res.duration:.2f} s, with audio)")
    return 0


def cmd_analyze(args) -> int:
    from vj.audio.sources import load
    from vj.evaluation.analyze import analyze, format_table, plot

    params = _params(args)
    y = load(args.song, sr=params.sr)
    curve, bounds, onsets, rows = analyze(y, params=params, segment=args.segment)
    music, no_tags = None, None
    if not args.no_tags:
        from vj.audio.rhythm import sections
        from vj.understand.musicnn import TaggerError
        from vj.understand.segments import understand

        try:
            music = understand(y, bounds, sr=params.sr, section_bounds=sections(y, params.sr))
        except TaggerError as e:   # the energy table does not need the tagger
            no_tags = f"genre and mood skipped: {e}"
    if args.json:
        out = {"song": str(args.song), "duration": len(y) / params.sr, "onsets": len(onsets),
               **({"tags_skipped": no_tags} if no_tags else {}),
               "segments": [{**r.__dict__, **(music[i].as_dict() if music else {})}
                            for i, r in enumerate(rows)]}
        write_json(args.json, out)
    if args.json != "-":
        print(f"{args.song}: {len(y) / params.sr:.2f} s, {len(onsets)} onsets, "
              f"{len(rows)} segments of {args.segment:g} s")
        print(format_table(rows))
        if no_tags:
            print(f"\n{no_tags}")
        if music:
            print()
            print(f"{'segment':>15}  {'genre':10s} {'conf':>5s}  {'mood':9s} {'conf':>5s}  "
                  f"{'tempo':>6s}  {'section':>7s}")
            for m in music:
                print(f"{m.start:6.1f}-{m.end:6.1f} s  {str(m.genre):10s} {m.genre_confidence:5.2f}"
                      f"  {str(m.mood):9s} {m.mood_confidence:5.2f}  {m.tempo:6.1f}  "
                      f"{m.section:7d}")
    if args.plot:
        plot(y, curve, bounds, onsets, args.plot, title=Path(args.song).name)
        print(f"figure: {args.plot}")
    return 0


def cmd_record(args) -> int:
    from vj.record.render import record

    res = record(args.song, args.bank, args.output, fps=args.fps, size=args.size, fit=args.fit,
                 interp=args.interp, segment=args.segment, start=args.start,
                 duration=args.duration, fx=args.fx, decoder=args.decoder, device=args.device,
                 batch=args.batch, accent=args.accent, refine=args.refine,
                 refine_steps=args.refine_steps, progress=not args.quiet)
    print(f"wrote {res.path} ({res.frames} frames, {res.width}x{res.height}, {res.fps} fps, "
          f"{res.duration:.2f} s)")
    return 0


def cmd_presets(args) -> int:
    from vj.presets import BUILTIN_DIR, load_presets

    presets = sorted(load_presets(args.presets).values(), key=lambda p: p.name)
    for p in presets:
        shared = f" (style of {p.style_from})" if p.style_from else ""
        user = "" if p.path and BUILTIN_DIR in p.path.parents else f"  [{p.path}]"
        print(f"{p.name:11s} {p.style.movement}{shared}{user}")
        if args.verbose:
            print(f"{'':11s} {p.style.text}")
            print(f"{'':11s} motion: segment {p.motion.segment:g} s, speed {p.motion.speed:g}, "
                  f"intensity {p.motion.intensity:g}; fx: "
                  + ", ".join(f"{k} {v:g}" for k, v in p.fx.items()))
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
    p.add_argument("--size", type=square, default=512, metavar="N",
                   help="frame size in pixels (default 512)")
    p.add_argument("--fps", type=video_fps, default=30, help="frames per second (default 30)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("analyze", help="energy and onsets of a song, per segment",
                       description="Print per-segment energy statistics and onset counts; "
                       "optionally draw the method's figure.")
    p.add_argument("song", help="audio file (wav, flac, ogg, mp3, m4a, ...)")
    p.add_argument("--segment", type=_positive_float, default=10.0,
                   help="segment length in seconds (default 10, the method's)")
    p.add_argument("--plot", metavar="PNG", help="write the figure to this PNG file")
    add_json(p, "everything")
    p.add_argument("--no-tags", action="store_true",
                   help="skip genre and mood tagging (faster)")
    _energy_options(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("record", help="render a song through a bank to a video file",
                       description="Offline render to H.264 video with the song as AAC audio, "
                       "on a fixed time step (same input, same frames).")
    p.add_argument("song", help="audio file")
    p.add_argument("--bank", required=True, help="bank folder (from vj prepare)")
    p.add_argument("-o", "--output", required=True, help="output video (.mp4, .mov, .mkv)")
    p.add_argument("--fps", type=video_fps, default=30, help="frames per second (default 30)")
    p.add_argument("--size", type=size, default=None, metavar="N|WxH",
                   help="frame size, 512 or 1920x1080 (default: the bank's)")
    add_fit(p)
    p.add_argument("--interp", choices=["energy", "linear", "online"], default="energy",
                   help="driver: energy (the method), linear, or online (the live driver)")
    p.add_argument("--segment", default="10s",
                   help="one keyframe transition per: 10s (seconds, default), 16beats, or "
                   "sections (detected)")
    p.add_argument("--start", type=_nonneg_float, default=0.0, help="start time in the song (s)")
    p.add_argument("--duration", type=_positive_float, default=None, help="length to render (s)")
    p.add_argument("--fx", default="none",
                   help="genre preset whose effects to apply (flash, trail, hue, strobe); "
                   "default none")
    p.add_argument("--accent", type=_nonneg_float, default=None, metavar="A",
                   help="hit accent: on a strong onset the picture jolts A of a transition "
                   "ahead and eases back (shown only; the driver is unchanged). Default 0.2 "
                   "for energy and online, 0 for linear; 0 turns it off")
    add_decoder(p)
    add_device(p)
    p.add_argument("--batch", type=positive_int, default=None,
                   help="frames decoded per call for model banks (default 1: on an H200 batch 8 "
                        "was slower, docs/benchmarks.md)")
    add_refine(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_record)

    from vj.generate.cli import add_prepare_parser

    add_prepare_parser(sub)

    p = sub.add_parser("presets", help="list the genre presets",
                       description="List genre presets: built-in ones and those in --presets "
                       "folders or $VJ_PRESETS.")
    p.add_argument("--presets", action="append", metavar="DIR", help="extra preset folder")
    p.add_argument("-v", "--verbose", action="store_true", help="show style text, motion and fx")
    p.set_defaults(func=cmd_presets)

    from vj.bench.cli import add_bench_parser
    from vj.dmx.cli import add_dmx_parser
    from vj.evaluation.avs_cli import add_avs_parser
    from vj.evaluation.cli import add_eval_parser
    from vj.live.cli import add_devices_parser, add_live_parser
    from vj.midi.learn import add_midi_parser
    from vj.prompts.cli import add_prompts_parser

    add_avs_parser(sub)
    add_eval_parser(sub)
    add_prompts_parser(sub)
    add_midi_parser(sub)
    add_dmx_parser(sub)
    add_bench_parser(sub)
    add_live_parser(sub)
    add_devices_parser(sub)
    from vj.supervisor.cli import add_show_parser, live_entry
    from vj.web.token import add_web_parser

    sub.choices["live"].set_defaults(func=live_entry)
    add_show_parser(sub, sub.choices["live"])
    add_web_parser(sub)
    return ap


def _unexpected(e: BaseException) -> int:
    """One line for the user; the traceback goes to a log file (VJ_DEBUG=1 prints it)."""
    import os
    import tempfile
    import traceback

    if os.environ.get("VJ_DEBUG"):
        raise e
    path = Path(os.environ.get("VJ_LOG") or Path(tempfile.gettempdir()) / "vj-error.log")
    where = ""
    try:
        path.write_text("".join(traceback.format_exception(e)))
        where = f" (details in {path}; VJ_DEBUG=1 prints them)"
    except OSError:
        where = " (VJ_DEBUG=1 prints the details)"
    print(f"vj: error: {type(e).__name__}: {str(e)[:300]}{where}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.command == "live":     # as typed: the show file's options give way to it
        args.live_argv = argv[argv.index("live") + 1:]
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
    except Exception as e:  # an unexpected error: one line, not a traceback
        return _unexpected(e)


if __name__ == "__main__":
    sys.exit(main())
