"""`vj avs`: the Audio-Visual Synchrony score of a video, against a null of its own
shifted audio, or (``--compare``) of the energy and linear drivers (docs/avs.md)."""
from __future__ import annotations

from pathlib import Path

from vj.errors import VjError
from vj.options import add_json, positive_float, ranged, square, video_fps, write_json


def _avs_params(args):
    from vj.metrics.avs import AVSParams

    kw = {k: getattr(args, k) for k in ("beat_strength", "tolerance", "change_threshold",
                                        "min_gap", "slope_scale") if getattr(args, k) is not None}
    return AVSParams.paper(**kw) if args.paper else AVSParams(**kw)


def cmd_avs(args) -> int:
    params = _avs_params(args)
    if args.compare:
        from vj.evaluation.compare import compare, format_table, songs_in

        if not args.bank:
            raise VjError("--compare needs --bank (the bank to render the songs with)")
        rows = []
        for song in songs_in(args.compare):
            rows.append(compare(song, args.bank, fps=args.fps, size=args.size,
                                segment=args.segment, params=params, progress=not args.quiet))
        print(format_table(rows))
        return 0
    if not args.video:
        raise VjError("give a VIDEO to score, or --compare SONG --bank DIR")
    from vj.metrics.avs_files import avs_of_video, frame_differences
    from vj.metrics.avs_plot import plot

    res = avs_of_video(args.video, args.audio, params, progress=not args.quiet, null=args.null)
    null = None
    if args.null:
        from vj.metrics.null import format_null

        res, null = res
    print(f"{args.video}: {res.summary()}")
    if null is not None:
        print(format_null(null))
    if args.json:
        write_json(args.json, {"video": str(args.video), "avs": res.avs,
                               "consistency": res.consistency, "motion": res.motion,
                               "mean_offset": res.mean_offset,
                               "audio_events": len(res.audio_events),
                               "visual_events": len(res.visual_events),
                               "null": None if null is None else {
                                   "shifts": null["shifts"],
                                   **{k: v.as_dict() for k, v in null.items() if k != "shifts"}}})
    if args.plot:
        from vj.audio.sources import load

        diff, fps, n = frame_differences(args.video, params)
        y = load(args.audio or args.video, sr=params.sr)[: int(round(n / fps * params.sr))]
        plot(res, y, diff, fps, args.plot, params, title=f"{Path(args.video).name}: "
             f"AVS {res.avs:.3f}")
        print(f"figure: {args.plot}")
    return 0


def add_avs_parser(sub) -> None:
    p = sub.add_parser(
        "avs", help="Audio-Visual Synchrony score of a video (or --compare drivers)",
        description="Score how well a video's visual changes follow its music (docs/avs.md). "
        "With --compare: render songs with the energy and the linear driver and print both.")
    p.add_argument("video", nargs="?", help="video file (its audio is used unless --audio)")
    p.add_argument("--audio", help="the song, for a video without audio")
    p.add_argument("--plot", metavar="PNG", help="draw events, curves and the DTW alignment")
    p.add_argument("--compare", metavar="SONG_OR_FOLDER",
                   help="render each song with both drivers and print the AVS table")
    p.add_argument("--bank", help="bank for --compare")
    p.add_argument("--fps", type=video_fps, default=30, help="--compare: frames per second")
    p.add_argument("--size", type=square, default=None, metavar="N",
                   help="--compare: frame size")
    p.add_argument("--segment", type=positive_float, default=10.0,
                   help="--compare: seconds per keyframe transition")
    p.add_argument("--null", type=ranged(int, 0, 100), default=10, metavar="N",
                   help="also score the video against N circular shifts of its own audio (at "
                   "least 2 s apart) and report the null's mean, 95th percentile, the margin "
                   "and the share of shifts at or above the own score (default 10; 0: off)")
    add_json(p, "the score and the null figures")
    g = p.add_argument_group("AVS parameters (defaults in docs/avs.md)")
    g.add_argument("--paper", action="store_true",
                   help="the method's exact definition: a visual event is 225,000 changed values "
                   "of a 768x768x3 frame (12.7 %%), any change counts (tolerance 0), events 1 s "
                   "apart; default: peaks of the frame-difference curve above its baseline")
    g.add_argument("--beat-strength", type=float, help="onset strength for a beat to count (0.40)")
    g.add_argument("--tolerance", type=int, help="--paper: pixel change that counts (0)")
    g.add_argument("--change-threshold", type=float,
                   help="--paper: changed fraction that makes a visual event (0.127)")
    g.add_argument("--min-gap", type=float,
                   help="seconds between visual events (0.2; --paper 1.0)")
    g.add_argument("--slope-scale", type=float,
                   help="scale of the motion term (default: from the video itself)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_avs)
