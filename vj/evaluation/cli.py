"""`vj eval`: its command line (docs/eval.md)."""
from __future__ import annotations

from pathlib import Path

from vj.evaluation.evaluate import run_eval
from vj.evaluation.report import (
    format_null_table,
    format_null_totals,
    format_table,
    format_totals,
    plot_song,
)


def cmd_eval(args) -> int:
    from vj.evaluation.corpus import require_corpus, songs_in

    songs = []
    for x in args.songs:
        songs += require_corpus() if x == "corpus" else songs_in(x)
    def figure(row) -> None:
        if args.plot:
            Path(args.plot).mkdir(parents=True, exist_ok=True)
            plot_song(row, args.fps, Path(args.plot) / f"{row.song}.png")

    rows, total = run_eval(songs, bank=args.bank, fps=args.fps, size=args.size,
                           seconds=None if args.full else args.seconds, json_out=args.json,
                           on_song=figure, progress=not args.quiet, accent=args.accent,
                           null=args.null)
    print(format_table(rows))
    print(format_totals(total))
    if args.null:
        print(format_null_table(rows))
        print(format_null_totals(total))
    if args.json:
        print(f"JSON: {args.json}")
    if args.plot:
        print(f"figures: {args.plot}/")
    return 0


def add_eval_parser(sub) -> None:
    from vj.options import positive_float, ranged, square, video_fps

    p = sub.add_parser(
        "eval", help="measure the method on songs: energy, AVS of three drivers, synchrony",
        description="For each song: streaming vs reference energy at the live settings (the engine "
        "hearing the song from its start, and starting cold at the excerpt); a video "
        "recorded with the energy, linear and online drivers, each scored by AVS, by the "
        "correlation of frame change with onset strength, the share of change near onsets, "
        "the hit response and the visual event count; the record speed (docs/eval.md). "
        "`corpus` stands for the development corpus (make corpus).")
    p.add_argument("songs", nargs="+", metavar="SONG_OR_FOLDER",
                   help="audio files, Frets on Fire song folders (stems mixed), folders of "
                   "those, or `corpus`")
    p.add_argument("--bank", help="image or latent bank (default: procedural artworks)")
    p.add_argument("--json", metavar="FILE", help="write every number as JSON to FILE")
    p.add_argument("--plot", metavar="DIR", help="write one figure per song")
    p.add_argument("--seconds", type=positive_float, default=45.0,
                   help="excerpt length from the middle of each song (default 45)")
    p.add_argument("--full", action="store_true", help="whole songs, not excerpts")
    p.add_argument("--fps", type=video_fps, default=30, help="video frame rate (default 30)")
    p.add_argument("--size", type=square, default=192, metavar="N",
                   help="video size (default 192)")
    p.add_argument("--accent", type=float, default=None, metavar="A",
                   help="hit accent of the energy and online drivers (default: vj record's)")
    p.add_argument("--null", type=ranged(int, 0, 100), default=10, metavar="N",
                   help="score each video also against N circular shifts of its own audio "
                   "(docs/avs.md; default 10, 0: off)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_eval)
