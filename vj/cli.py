"""The `vj` command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vj import __version__
from vj.errors import VjError


def _number(strict: bool):
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


_positive_float, _nonneg_float = _number(True), _number(False)


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
    music = None
    if not args.no_tags:
        from vj.audio.rhythm import sections
        from vj.understand.segments import understand

        music = understand(y, bounds, sr=params.sr, section_bounds=sections(y, params.sr))
    if args.json:
        import json

        out = {"song": str(args.song), "duration": len(y) / params.sr, "onsets": len(onsets),
               "segments": [{**r.__dict__, **(music[i].as_dict() if music else {})}
                            for i, r in enumerate(rows)]}
        print(json.dumps(out, indent=2))
    else:
        print(f"{args.song}: {len(y) / params.sr:.2f} s, {len(onsets)} onsets, "
              f"{len(rows)} segments of {args.segment:g} s")
        print(format_table(rows))
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
    from vj.record import record

    res = record(args.song, args.bank, args.output, fps=args.fps, size=args.size,
                 interp=args.interp, segment=args.segment, start=args.start,
                 duration=args.duration, fx=args.fx, decoder=args.decoder, device=args.device,
                 batch=args.batch, progress=not args.quiet)
    print(f"wrote {res.path} ({res.frames} frames, {res.width}x{res.height}, {res.fps} fps, "
          f"{res.duration:.2f} s)")
    return 0


def cmd_prepare(args) -> int:
    from vj.bank import save_bank

    if bool(args.images) == bool(args.image):
        raise VjError("give either --image ART (Kandinsky keyframes) or --images FILES "
                      "(image mode), not both or neither")
    if Path(args.bank).exists() and not args.force:
        raise VjError(f"{args.bank}: already exists (use --force to replace it)")
    if args.images:
        from vj.generate.images import image_bank
        from vj.presets import get_preset

        genre = get_preset(args.genre, args.presets).name if args.genre else None
        bank = image_bank(args.images, size=args.size, genre=genre, name=Path(args.bank).name)
        path = save_bank(bank, args.bank, force=args.force)
        print(f"bank {path}: {bank.count} keyframes, {args.size}x{args.size}, image mode")
        return 0
    return _prepare_kandinsky(args)


def _prepare_kandinsky(args) -> int:
    from vj.bank import save_bank
    from vj.generate.images import open_rgb
    from vj.generate.kandinsky import Kandinsky, ModelSource, PrepareSettings, make_bank
    from vj.presets import get_preset, template_prompt

    if not args.genre and not args.prompt and not args.audio:
        raise VjError("--genre is required with --image (or --audio SONG to detect it, or "
                      "the style with --prompt); see `vj presets`")
    if not 64 <= args.size <= 2048 or args.size % 64:
        raise VjError(f"--size {args.size}: must be a multiple of 64 between 64 and 2048")
    if args.keyframes < 2:
        raise VjError(f"--keyframes {args.keyframes}: a bank needs at least 2 keyframes")
    for w, name in ((args.image_weight, "--image-weight"), (args.text_weight, "--text-weight")):
        if not 0.0 <= w <= 2.0:
            raise VjError(f"{name} {w}: must be between 0 and 2")
    for p in args.image:  # check the inputs before loading gigabytes of weights
        open_rgb(p)
    preset = get_preset(args.genre, args.presets) if args.genre else None
    segments = None
    detected = None
    if args.audio:
        from vj.audio.sources import load
        from vj.record import segment_bounds

        y = load(args.audio)
        bounds = segment_bounds(y, 22050, args.segment)
        segments = [float(t) for t in bounds]
        if preset is None and not args.prompt:
            from vj.understand.segments import understand

            print("detecting the genre of each segment ...", flush=True)
            info = understand(y, bounds)
            fallback = next((i.genre for i in info if i.genre), "electronic")
            detected = [i.genre or fallback for i in info]
            detected.append(detected[-1])  # the keyframe at the end of the song
            moods = [args.mood or i.mood for i in info]
            moods.append(moods[-1])
    if args.prompt:
        style, style_source = args.prompt, "prompt"
    elif detected is not None:
        from vj.presets import check_mood

        def text(g, m):
            p = get_preset(g, args.presets)
            m = m if m and check_mood(m) else None
            return template_prompt(p.name, m) if args.template else p.style_text(m)

        style = [text(g, m) for g, m in zip(detected, moods)]
        style_source = "detected:" + ",".join(detected)
        preset = get_preset(detected[0], args.presets)
    elif args.template:
        style, style_source = template_prompt(preset.name, args.mood), "template"
    else:
        style, style_source = preset.style_text(args.mood), f"preset:{preset.name}"
    settings = PrepareSettings(size=args.size, seed=args.seed, keyframes=args.keyframes,
                               image_weight=args.image_weight, text_weight=args.text_weight,
                               steps=args.steps, guidance=args.guidance,
                               prior_steps=args.prior_steps)
    source = ModelSource.resolve(args.model, args.prior, args.decoder)
    print(f"loading Kandinsky 2.2: prior {source.prior}, decoder {source.decoder}", flush=True)
    model = Kandinsky.load(source, args.device)
    bank, thumbs = make_bank(model, [Path(p) for p in args.image], style, settings,
                             genre=preset.name if preset else None, mood=args.mood,
                             style_source=style_source, segments=segments,
                             progress=not args.quiet)
    path = save_bank(bank, args.bank, thumbs=thumbs, force=args.force)
    print(f"bank {path}: {bank.count} keyframes, latents {list(bank.frames.shape[1:])}, "
          f"{args.size}x{args.size}, {model.device} {model.info['dtype']}")
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


def cmd_bench(args) -> int:
    from vj.bench import bench_audio, machine, one_core

    seconds = args.seconds or (8.0 if args.what == "latency" else 60.0)

    if args.what == "keyframe":
        from vj.bench import bench_keyframe

        rows = bench_keyframe(sizes=args.size or [512, 768], device=args.device,
                              steps=args.steps, prior_steps=args.prior_steps,
                              repeats=args.repeats, tiny=args.tiny)
        print(f"one keyframe, {'tiny' if args.tiny else 'real'} Kandinsky 2.2 architecture "
              f"with random weights, {rows[0]['device']}, {rows[0]['dtype']}, "
              f"{args.prior_steps} prior + {args.steps} decoder steps:")
        for r in rows:
            print(f"  {r['size']}x{r['size']} (latent {r['latent']}): {r['seconds']:.2f} s "
                  f"(prior {r['prior_seconds']:.2f} s)")
    if args.what == "tagger":
        from vj.bench import bench_tagger

        pin = one_core()
        r = bench_tagger()
        print(f"machine: {machine()} ({pin})")
        print(f"tagging one 3-second window (log-mel + musicnn MTT) on one core: onnxruntime "
              f"median {r['onnx']:.1f} ms (p99 {r['onnx_p99']:.1f}), torch median "
              f"{r['torch']:.1f} ms (p99 {r['torch_p99']:.1f})")
    if args.what == "decode":
        import json

        from vj.bench import bench_decode, format_decode

        backends = (["torch", "compile", "tensorrt", "onnx"] if args.backend in (None, ["all"])
                    else args.backend)
        rows = bench_decode(sizes=args.size or [512, 768], backends=backends,
                            batches=args.batch or [1], frames=args.frames, device=args.device,
                            tiny=args.tiny)
        arch = "tiny test architecture" if args.tiny else (
            "the real Kandinsky 2.2 MoVQ architecture with random weights (no weights needed)")
        print(f"decode benchmark: {arch}; {rows[0]['device']}, {rows[0]['dtype']}; "
              f"{rows[0]['flops_per_frame'] / 1e12:.2f} TFLOP per frame at {rows[0]['size']}")
        print(format_decode(rows))
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2, default=str))
    if args.what == "record":
        from vj.bench import bench_record

        model = "tiny" if args.tiny else args.model
        r = bench_record(seconds=seconds, size=(args.size or [512])[0], fps=30,
                         model=model, decoder=args.decoder, device=args.device,
                         batch=(args.batch or [None])[0])
        print(f"machine: {machine()}")
        print(f"record, {r['what']}, {r['size']}x{r['size']}, 30 fps: {r['seconds']:.0f} s of "
              f"music in {r['wall']:.1f} s = {r['realtime_factor']:.2f}x real time "
              f"({r['fps']:.0f} frames/s); peak memory {r['peak_rss_mb']:.0f} MB")
    if args.what == "latency":
        from vj.bench import bench_latency

        model = "tiny" if args.tiny else args.model
        r = bench_latency(model=model, size=(args.size or [512])[0], decoder=args.decoder,
                          device=args.device, seconds=max(seconds, 3.0))
        print(f"machine: {machine()}")
        print(f"impulse-to-photon latency, headless, {r['model']} bank "
              f"{r['size']}x{r['size']}, decoder {r['decoder']} (median "
              f"{r['decode_ms_median']:.1f} ms per frame), {r['fps']:.1f} fps, "
              f"{r['drops']} dropped: median {r['median_ms']:.1f} ms, max {r['max_ms']:.1f} ms "
              f"over {r['clicks']} clicks (frame period {r['period_ms']:.1f} ms)")
    if args.what == "audio":
        pin = one_core()
        r = bench_audio(seconds=seconds, params=_params(args))
        print(f"machine: {machine()} ({pin})")
        print(f"streaming energy: {r['audio_seconds']:.1f} s of audio in {r['wall_seconds']:.3f} s"
              f" = {r['realtime_factor']:.0f}x real time on one core")
        print(f"per block of {r['block_samples']} samples ({r['block_ms']:.1f} ms): "
              f"median {r['block_us_median']:.1f} us, p99 {r['block_us_p99']:.1f} us")
    return 0


def _avs_params(args):
    from vj.metrics.avs import AVSParams

    kw = {k: getattr(args, k) for k in ("beat_strength", "tolerance", "change_threshold",
                                        "min_gap", "slope_scale") if getattr(args, k) is not None}
    return AVSParams(**kw)


def cmd_avs(args) -> int:
    params = _avs_params(args)
    if args.compare:
        from vj.compare import compare, format_table, songs_in

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
    from vj.metrics.avs import avs_of_video, frame_differences, plot

    res = avs_of_video(args.video, args.audio, params, progress=not args.quiet)
    print(f"{args.video}: {res.summary()}")
    if args.plot:
        from vj.audio.sources import load

        diff, fps, n = frame_differences(args.video, params)
        y = load(args.audio or args.video, sr=params.sr)[: int(round(n / fps * params.sr))]
        plot(res, y, diff, fps, args.plot, params, title=f"{Path(args.video).name}: "
             f"AVS {res.avs:.3f}")
        print(f"figure: {args.plot}")
    return 0


def cmd_devices(args) -> int:
    from vj.audio.sources import input_devices

    print("audio inputs (--input-device NAME or INDEX):")
    try:
        devices = input_devices()
    except VjError as e:
        devices = []
        print(f"  unavailable: {e}")
    if not devices:
        print("  none found")
    for d in devices:
        print(f"  {d['index']:3d}  {d['name']}  ({d['channels']} ch, {d['samplerate']:.0f} Hz)")
    print("monitors (--monitor NAME or INDEX):")
    import os
    import warnings

    mons = []
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        from vj.render.targets import monitors

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mons = monitors()
    if not mons:
        print("  none (no display; vj live --headless still works)")
    for m in mons:
        print(f"  {m['index']:3d}  {m['name']}  ({m['size'][0]}x{m['size'][1]} @ {m['refresh']} Hz)")
    return 0


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HOST:PORT")
    return host, int(port)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected WIDTHxHEIGHT, e.g. 1920x1080") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"{text!r}: sizes between 16 and 8192")
    return w, h


def cmd_live(args) -> int:
    import logging

    from vj.show import Show, ShowConfig

    logging.basicConfig(level=logging.INFO, format="vj: %(message)s")
    cfg = ShowConfig(banks=args.bank, audio_file=args.audio_file, input_device=args.input_device,
                     headless=args.headless, size=args.window_size, monitor=args.monitor,
                     fullscreen=args.fullscreen, fps=args.fps, osc=not args.no_osc,
                     osc_host=args.osc_host, osc_port=args.osc_port, desk=args.desk,
                     feedback=args.osc_feedback, decoder=args.decoder, device=args.device,
                     preset=args.preset, presets_dirs=args.presets, shaders=args.shaders,
                     duration=args.duration, hud=args.hud, loop_audio=args.loop,
                     auto=args.auto, auto_hold=args.auto_hold)
    show = Show(cfg)
    summary = show.run()
    print(summary.text())
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
    p.add_argument("--json", action="store_true", help="print everything as JSON")
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
    p.add_argument("--fps", type=int, default=30, help="frames per second (default 30)")
    p.add_argument("--size", type=int, default=None, help="frame size (default: the bank's)")
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
    p.add_argument("--decoder", default="auto",
                   help="auto, torch, compile, tensorrt, onnx or image (model banks)")
    p.add_argument("--device", default="auto", help="torch device for model banks")
    p.add_argument("--batch", type=int, default=None,
                   help="frames decoded per call for model banks (default 8 on a GPU, 1 on a CPU)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_record)

    p = sub.add_parser(
        "prepare", help="make a keyframe bank (Kandinsky 2.2, or plain images)",
        description="Make a keyframe bank. With --image: the Kandinsky 2.2 prior mixes the "
        "artwork with the genre's style text and the decoder makes one latent per keyframe. "
        "With --images: image mode, each picture is a keyframe (no model).")
    p.add_argument("--image", nargs="+", metavar="ART", default=[],
                   help="artwork(s) to mix with the style (Kandinsky mode)")
    p.add_argument("--images", nargs="+", metavar="IMAGE", default=[],
                   help="image mode: pictures or folders of pictures, one keyframe each")
    p.add_argument("--bank", required=True, help="bank folder to write")
    p.add_argument("--genre", default=None, help="genre preset (see `vj presets`)")
    p.add_argument("--mood", default=None,
                   help="mood modifier: happy, sad, tender, exciting, angry, scary, funny")
    p.add_argument("--prompt", default=None, help="style text to use instead of the preset's")
    p.add_argument("--template", action="store_true",
                   help='style text "<mood> <genre> music album cover" instead of the preset\'s')
    p.add_argument("--keyframes", type=int, default=8, help="keyframes, one per seed (default 8)")
    p.add_argument("--audio", default=None, metavar="SONG",
                   help="one keyframe per segment of this song instead of --keyframes")
    p.add_argument("--segment", default="10s",
                   help="with --audio: one keyframe per 10s (seconds, default), 16beats, or "
                   "sections")
    p.add_argument("--size", type=int, default=512,
                   help="keyframe size in pixels (default 512; the method used 768)")
    p.add_argument("--seed", type=int, default=0, help="first seed; keyframe k uses seed+k")
    p.add_argument("--image-weight", type=float, default=0.7,
                   help="weight of the artwork in the prior's mix (default 0.7)")
    p.add_argument("--text-weight", type=float, default=0.3,
                   help="weight of the style text (default 0.3; not normalised)")
    p.add_argument("--model", default=None,
                   help="hub prefix (default kandinsky-community/kandinsky-2-2, giving -prior "
                   "and -decoder) or a folder with prior/ and decoder/")
    p.add_argument("--prior", default=None, help="prior pipeline id or folder (overrides --model)")
    p.add_argument("--decoder", default=None,
                   help="decoder pipeline id or folder (overrides --model)")
    p.add_argument("--steps", type=int, default=50, help="decoder steps (default 50)")
    p.add_argument("--guidance", type=float, default=5.0, help="decoder guidance (default 5.0)")
    p.add_argument("--prior-steps", type=int, default=25, help="prior steps (default 25)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    p.add_argument("--presets", action="append", metavar="DIR",
                   help="extra folder of genre presets (also $VJ_PRESETS)")
    p.add_argument("--force", action="store_true", help="replace an existing bank folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("presets", help="list the genre presets",
                       description="List genre presets: built-in ones and those in --presets "
                       "folders or $VJ_PRESETS.")
    p.add_argument("--presets", action="append", metavar="DIR", help="extra preset folder")
    p.add_argument("-v", "--verbose", action="store_true", help="show style text, motion and fx")
    p.set_defaults(func=cmd_presets)

    p = sub.add_parser("bench", help="measure speed (prints numbers)",
                       description="Benchmarks. audio: the streaming energy engine on one core. "
                       "keyframe: one Kandinsky keyframe, real architecture, random weights. "
                       "record: vj record of a synthetic song (--seconds), image mode or "
                       "(--model real) the real MoVQ architecture with random weights. "
                       "decode: the MoVQ decoder backends (docs/benchmarks.md). "
                       "tagger: the musicnn tagger on one core. "
                       "latency: impulse-to-photon latency of the headless show on a click "
                       "track (--model image or real).")
    p.add_argument("what", choices=["audio", "keyframe", "record", "decode", "tagger",
                                    "latency"],
                   help="what to measure")
    p.add_argument("--backend", nargs="+", help="decode: backends (default all)")
    p.add_argument("--batch", type=int, nargs="+",
                   help="decode: batch sizes (default 1); record: frames per decoder call "
                   "(default 8 on a GPU, 1 on a CPU)")
    p.add_argument("--model", choices=["image", "real"], default="image",
                   help="record, latency: an image bank (default) or a latent bank decoded by "
                   "the real MoVQ architecture with random weights")
    p.add_argument("--decoder", default="auto",
                   help="record, latency: decoder backend (default auto)")
    p.add_argument("--frames", type=int, default=200, help="decode: timed frames (default 200)")
    p.add_argument("--json", metavar="FILE", help="decode: also write the rows as JSON")
    p.add_argument("--size", type=int, nargs="+",
                   help="keyframe, decode: sizes (default 512 768); record: frame size (512)")
    p.add_argument("--device", default="auto",
                   help="keyframe, decode, record, latency: auto, cpu or cuda")
    p.add_argument("--steps", type=int, default=50, help="keyframe: decoder steps (default 50)")
    p.add_argument("--prior-steps", type=int, default=25,
                   help="keyframe: prior steps (default 25)")
    p.add_argument("--repeats", type=int, default=2, help="keyframe: timed runs per size")
    p.add_argument("--tiny", action="store_true",
                   help="keyframe, decode, record, latency: tiny architecture (a quick check of the "
                   "benchmark)")
    p.add_argument("--seconds", type=_positive_float, default=None,
                   help="seconds of synthetic audio (default 60; latency: 8)")
    _energy_options(p)
    p.set_defaults(func=cmd_bench)

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
    p.add_argument("--fps", type=int, default=30, help="--compare: frames per second")
    p.add_argument("--size", type=int, default=None, help="--compare: frame size")
    p.add_argument("--segment", type=_positive_float, default=10.0,
                   help="--compare: seconds per keyframe transition")
    g = p.add_argument_group("AVS parameters (defaults in docs/avs.md)")
    g.add_argument("--beat-strength", type=float, help="onset strength for a beat to count (0.40)")
    g.add_argument("--tolerance", type=int, help="pixel change that counts, 0..255 (3)")
    g.add_argument("--change-threshold", type=float,
                   help="changed fraction that makes a visual event (0.127)")
    g.add_argument("--min-gap", type=float, help="seconds between visual events (1.0)")
    g.add_argument("--slope-scale", type=float, help="scale of the motion term (0.02 per s)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_avs)

    p = sub.add_parser(
        "live", help="run the show: audio in, visuals out, OSC control",
        description="The live show: listens to an audio input (or --audio-file), moves through "
        "the bank's keyframes with the music and draws them through the shaders on a window "
        "or projector; a lighting desk steers it over OSC (docs/live.md).")
    p.add_argument("--bank", action="append", required=True, metavar="DIR",
                   help="bank folder; repeat for more banks (switch with /vj/bank)")
    p.add_argument("--audio-file", metavar="SONG", help="play this file instead of the input")
    p.add_argument("--loop", action="store_true", help="loop --audio-file")
    p.add_argument("--input-device", metavar="NAME", help="audio input name or index (vj devices)")
    p.add_argument("--monitor", metavar="N", help="monitor index or part of its name")
    p.add_argument("--fullscreen", action="store_true",
                   help="borderless fullscreen on --monitor (F toggles)")
    p.add_argument("--window-size", type=_size, default=(1280, 720), metavar="WxH",
                   help="window or headless output size (default 1280x720)")
    p.add_argument("--headless", action="store_true",
                   help="render off-screen (EGL), no window: servers, tests, checks over SSH")
    p.add_argument("--fps", type=float, default=60.0, help="headless frame rate (default 60)")
    p.add_argument("--duration", type=_positive_float, help="stop after S seconds with a summary")
    p.add_argument("--preset", help="starting genre preset (default: the bank's genre)")
    p.add_argument("--presets", action="append", metavar="DIR", help="extra preset folder")
    p.add_argument("--decoder", default="auto",
                   help="auto, torch, compile, tensorrt, onnx or image (default auto)")
    p.add_argument("--device", default="auto", help="torch device for model banks")
    p.add_argument("--osc-port", type=int, default=7000, help="OSC UDP port (default 7000)")
    p.add_argument("--osc-host", default="0.0.0.0", help="OSC bind address (default all)")
    p.add_argument("--desk", default="generic",
                   help="desk profile: generic, grandma3, eos, magicq, or a TOML file")
    p.add_argument("--osc-feedback", type=_host_port, metavar="HOST:PORT",
                   help="send accepted changes back to this address")
    p.add_argument("--no-osc", action="store_true", help="do not listen for OSC")
    p.add_argument("--hud", action="store_true", help="start with the HUD on (H toggles)")
    p.add_argument("--auto", action="store_true",
                   help="pick the genre preset from the music (also /vj/auto 1)")
    p.add_argument("--auto-hold", type=_positive_float, default=16.0,
                   help="seconds a new genre must hold before --auto switches (default 16)")
    p.add_argument("--shaders", metavar="DIR", help="shader folder (default: the project's)")
    p.set_defaults(func=cmd_live)

    p = sub.add_parser("devices", help="list audio inputs and monitors",
                       description="List the audio inputs PortAudio can open and the monitors "
                       "(name and index for --input-device and --monitor).")
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
