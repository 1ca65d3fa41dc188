"""`vj bench`: benchmarks that print numbers (docs/benchmarks.md)."""
from __future__ import annotations

from pathlib import Path

from vj.cli_types import energy_options, energy_params, positive_float


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

        from vj.decode.bench import bench_decode, format_decode

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
        from vj.live.bench import bench_latency

        model = "tiny" if args.tiny else args.model
        r = bench_latency(model=model, size=(args.size or [512])[0], decoder=args.decoder,
                          device=args.device, seconds=max(seconds, 3.0))
        print(f"machine: {machine()}")
        print(f"impulse-to-photon latency, headless, {r['model']} bank "
              f"{r['size']}x{r['size']}, decoder {r['decoder']} (median "
              f"{r['decode_ms_median']:.1f} ms per frame), {r['fps']:.1f} fps, "
              f"{r['drops']} dropped: median {r['median_ms']:.1f} ms, max {r['max_ms']:.1f} ms "
              f"over {r['clicks']} clicks (frame period {r['period_ms']:.1f} ms); audio-to-photon "
              f"(ADC to completed frame) median {r['latency_ms_median']:.1f} ms")
    if args.what == "soak":
        from vj.live.bench import bench_soak

        def progress(t: float, mb: float) -> None:
            print(f"  {t / 60:5.1f} min: resident memory {mb:.1f} MB", flush=True)

        model = "tiny" if args.tiny else args.model
        r = bench_soak(minutes=args.minutes, size=(args.size or [256])[0], model=model,
                       osc_port=args.osc_port, progress=None if args.quiet else progress)
        print(f"machine: {machine()}")
        print(r["summary"])
        print(f"soak, headless {r['minutes']:g} min, looping song, one OSC message a second "
              f"({r['osc_packets']} received): {r['fps']:.1f} fps, {r['drops']} dropped, "
              f"p99 {r['frame_ms_p99']:.1f} ms; resident memory {r['rss_min2_mb']:.1f} MB at "
              f"minute 2, {r['rss_late_mb']:.1f} MB at minute {r['late_minute']:g} (growth "
              f"{r['growth_2_to_late_mb']:+.2f} MB), {r['rss_end_mb']:.1f} MB at the end "
              f"(growth from minute 2 {r['growth_2_to_end_mb']:+.2f} MB)")
    if args.what == "prompts":
        from vj.prompts.bench import (FUSION_INPUT, FUSION_NEW, TURN_INPUT, TURN_NEW,
                                      WHISPER_NEW, bench_prompts)

        dev = "cuda" if args.device in ("auto", "cuda") and _cuda() else "cpu"
        r = bench_prompts(repeats=args.repeats, device=dev,
                          on_stage=None if args.quiet else lambda s: print(f"  building {s} "
                                                                           "(random weights)",
                                                                           flush=True))
        print(f"machine: {machine()}; {dev}, {r['threads']} threads, float32, real "
              "architectures with random weights")
        print(f"  whisper-small, one 30 s window, {WHISPER_NEW} tokens: "
              f"{r['whisper_window_s']:.2f} s")
        print(f"  CLAP vocabulary (once per song): {r['clap_vocab_s']:.2f} s; one 30 s "
              f"section (3 crops of 10 s): {r['clap_section_s']:.2f} s")
        print(f"  Qwen2.5-1.5B turn ({TURN_INPUT} in, {TURN_NEW} out): {r['llm_turn_s']:.2f} s "
              f"({r['llm_tokens_per_s']:.1f} tokens/s); fusion ({FUSION_INPUT} in, {FUSION_NEW} "
              f"out): {r['llm_fusion_s']:.2f} s")
        print(f"  one section: {r['section_s']:.1f} s; a 3-minute song in 6 sections: "
              f"{r['song_3min_s'] / 60:.1f} min")
    if args.what == "audio":
        pin = one_core()
        from vj.audio.streaming import LIVE_PARAMS

        r = bench_audio(seconds=seconds, params=energy_params(args, base=LIVE_PARAMS))
        print(f"machine: {machine()} ({pin})")
        print(f"streaming energy: {r['audio_seconds']:.1f} s of audio in {r['wall_seconds']:.3f} s"
              f" = {r['realtime_factor']:.0f}x real time on one core")
        print(f"per block of {r['block_samples']} samples ({r['block_ms']:.1f} ms): "
              f"median {r['block_us_median']:.1f} us, p99 {r['block_us_p99']:.1f} us")
    return 0


def add_bench_parser(sub) -> None:
    p = sub.add_parser("bench", help="measure speed (prints numbers)",
                       description="Benchmarks. audio: the streaming energy engine on one core. "
                       "keyframe: one Kandinsky keyframe, real architecture, random weights. "
                       "record: vj record of a synthetic song (--seconds), image mode or "
                       "(--model real) the real MoVQ architecture with random weights. "
                       "decode: the MoVQ decoder backends (docs/benchmarks.md). "
                       "tagger: the musicnn tagger on one core. "
                       "latency: impulse-to-photon latency of the headless show on a click "
                       "track (--model image or real). "
                       "soak: a long headless show with OSC traffic; memory and frame rate. "
                       "prompts: each stage of `vj prompts` (Whisper, CLAP, the LLM), real "
                       "architectures with random weights.")
    p.add_argument("what", choices=["audio", "keyframe", "record", "decode", "tagger",
                                    "latency", "soak", "prompts"],
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
    p.add_argument("--seconds", type=positive_float, default=None,
                   help="seconds of synthetic audio (default 60; latency: 8)")
    p.add_argument("--minutes", type=positive_float, default=10.0,
                   help="soak: length of the show (default 10)")
    p.add_argument("--osc-port", type=int, default=7400, help="soak: OSC port (default 7400)")
    p.add_argument("--quiet", action="store_true", help="soak: no per-sample lines")
    energy_options(p)
    p.set_defaults(func=cmd_bench)


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()
