"""`vj prepare`: make a keyframe bank (Kandinsky 2.2, or plain images)."""
from __future__ import annotations

import argparse
from pathlib import Path

from vj.errors import VjError
from vj.options import Renamed, add_device, nonneg_float, positive_int, ranged, size


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
        bank = image_bank(args.images, size=args.size, genre=genre, name=Path(args.bank).name,
                          dedupe=args.dedupe)
        if bank.count < 2:
            raise VjError(f"{bank.count} keyframe left: a bank needs at least 2 different "
                          "pictures")
        path = save_bank(bank, args.bank, force=args.force)
        print(f"bank {path}: {bank.count} keyframes, {args.size[0]}x{args.size[1]}, image mode")
        return 0
    return _prepare_kandinsky(args)


def _prepare_kandinsky(args) -> int:
    from vj.bank import save_bank
    from vj.generate.images import open_rgb
    from vj.generate.kandinsky import Kandinsky, ModelSource, PrepareSettings, make_bank
    from vj.presets import get_preset, template_prompt

    if args.prompts and (not args.audio or args.prompt):
        raise VjError("--prompts auto needs --audio SONG (and takes the place of --prompt)")
    if not args.genre and not args.prompt and not args.audio:
        raise VjError("--genre is required with --image (or --audio SONG to detect it, or "
                      "the style with --prompt); see `vj presets`")
    if not all(64 <= x <= 2048 and x % 64 == 0 for x in args.size):
        raise VjError(f"--size {args.size[0]}x{args.size[1]}: each side a multiple of 64 "
                      "between 64 and 2048 (Kandinsky 2.2's latents)")
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
    extra = None
    if args.prompts:
        style, style_source, segments, preset, extra = _auto_prompts(args, preset)
    elif args.audio:
        from vj.audio.sources import load
        from vj.motion.segments import segment_bounds

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
    if args.prompts:
        pass
    elif args.prompt:
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
    settings = PrepareSettings(size=tuple(args.size), seed=args.seed, keyframes=args.keyframes,
                               image_weight=args.image_weight, text_weight=args.text_weight,
                               steps=args.steps, guidance=args.guidance,
                               prior_steps=args.prior_steps)
    source = ModelSource.resolve(args.model, args.prior, args.decoder_model)
    print(f"loading Kandinsky 2.2: prior {source.prior}, decoder {source.decoder}", flush=True)
    model = Kandinsky.load(source, args.device)
    bank, thumbs = make_bank(model, [Path(p) for p in args.image], style, settings,
                             genre=preset.name if preset else None, mood=args.mood,
                             style_source=style_source, segments=segments,
                             progress=not args.quiet, extra=extra, dedupe=args.dedupe)
    path = save_bank(bank, args.bank, thumbs=thumbs, force=args.force)
    print(f"bank {path}: {bank.count} keyframes, latents {list(bank.frames.shape[1:])}, "
          f"{args.size[0]}x{args.size[1]}, {model.device} {model.info['dtype']}")
    return 0


def _auto_prompts(args, preset):
    """`--prompts auto`: one keyframe per section of the song, each with the prompt the
    language model wrote for it (vj.prompts); the keyframe at the end repeats the last."""
    from vj.audio.rhythm import sections
    from vj.audio.sources import load
    from vj.presets import get_preset
    from vj.prompts.cli import options_from
    from vj.prompts.run import make_prompts

    y = load(args.audio)
    bounds = sections(y, 22050)
    args.model_for_tokenizer = args.prior or args.model
    opt = options_from(args)
    res = make_prompts(args.audio, opt, y=y, bounds=bounds)
    for i, s in enumerate(res.sections):
        print(f"  section {i} {s.start:6.1f}-{s.end:6.1f} s: {s.prompt}"
              + (" [cut]" if s.cut else ""), flush=True)
    prompts = [s.prompt for s in res.sections]
    prompts.append(prompts[-1])
    info = {"song": str(args.audio), "world": res.world, "lyrics_source": res.lyrics_source,
            "models": res.models, "sections": [
                {k: getattr(s, k) for k in ("start", "end", "lyrics", "caption", "genre_votes",
                                            "prompt", "cut", "fallback", "path")}
                for s in res.sections]}
    return (prompts, "prompts:auto", [float(t) for t in bounds],
            preset or get_preset(res.genre, args.presets), {"prompts_auto": info})


def add_prepare_parser(sub) -> None:
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
    p.add_argument("--keyframes", type=ranged(int, 1, 1000), default=8,
                   help="keyframes, one per seed (default 8)")
    p.add_argument("--audio", default=None, metavar="SONG",
                   help="one keyframe per segment of this song instead of --keyframes")
    p.add_argument("--segment", default="10s",
                   help="with --audio: one keyframe per 10s (seconds, default), 16beats, or "
                   "sections")
    p.add_argument("--size", type=size, default=(512, 512), metavar="N|WxH",
                   help="keyframe size in pixels: 512 (square, default; the method used 768) "
                   "or a wide bank for a projector, 1024x576 or 1344x768 (Kandinsky: sides "
                   "multiples of 64; image mode crops the pictures to cover it)")
    p.add_argument("--dedupe", action="store_true",
                   help="drop keyframes that are nearly the same picture as an earlier one "
                   "(without it they are named in a warning)")
    p.add_argument("--seed", type=int, default=0, help="first seed; keyframe k uses seed+k")
    p.add_argument("--image-weight", type=nonneg_float, default=0.7,
                   help="weight of the artwork in the prior's mix (default 0.7)")
    p.add_argument("--text-weight", type=nonneg_float, default=0.3,
                   help="weight of the style text (default 0.3; not normalised)")
    p.add_argument("--model", default=None,
                   help="hub prefix (default kandinsky-community/kandinsky-2-2, giving -prior "
                   "and -decoder) or a folder with prior/ and decoder/")
    p.add_argument("--prior-model", dest="prior", default=None,
                   help="prior pipeline id or folder (overrides --model)")
    p.add_argument("--decoder-model", dest="decoder_model", default=None,
                   help="decoder pipeline id or folder (overrides --model)")
    # before --decoder-model, --decoder named the pipeline here and a backend elsewhere
    p.add_argument("--decoder", dest="decoder_model", action=Renamed, new="--decoder-model",
                   help=argparse.SUPPRESS)
    p.add_argument("--prior", dest="prior", action=Renamed, new="--prior-model",
                   help=argparse.SUPPRESS)
    p.add_argument("--steps", type=positive_int, default=50, help="decoder steps (default 50)")
    p.add_argument("--guidance", type=nonneg_float, default=5.0,
                   help="decoder guidance (default 5.0)")
    p.add_argument("--prior-steps", type=positive_int, default=25, help="prior steps (default 25)")
    add_device(p)
    p.add_argument("--presets", action="append", metavar="DIR",
                   help="extra folder of genre presets (also $VJ_PRESETS)")
    p.add_argument("--prompts", choices=["auto"], default=None,
                   help="auto: with --audio, one keyframe per section, each with the prompt a "
                   "local language model writes from the section's lyrics and music (see "
                   "`vj prompts`)")
    p.add_argument("--force", action="store_true", help="replace an existing bank folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    from vj.prompts.cli import add_model_options

    add_model_options(p)
    p.set_defaults(func=cmd_prepare)
