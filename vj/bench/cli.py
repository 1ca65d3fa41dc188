"""``vj bench SUBCOMMAND``: each benchmark prints its numbers and, with ``--json FILE``,
writes them for tools (docs/benchmarks.md)."""
from __future__ import annotations

from vj.options import (
    add_decoder,
    add_device,
    add_json,
    energy_options,
    energy_params,
    port,
    positive_float,
    positive_int,
    ranged,
    square,
    write_json,
)


def _audio(args) -> dict:
    from vj.audio.streaming import LIVE_PARAMS
    from vj.bench.common import bench_audio
    from vj.bench.machine import machine, one_core

    pin = one_core()
    r = bench_audio(seconds=args.seconds or 60.0, params=energy_params(args, base=LIVE_PARAMS))
    print(f"machine: {machine()} ({pin})")
    print(f"streaming energy: {r['audio_seconds']:.1f} s of audio in {r['wall_seconds']:.3f} s"
          f" = {r['realtime_factor']:.0f}x real time on one core")
    print(f"per block of {r['block_samples']} samples ({r['block_ms']:.1f} ms): "
          f"median {r['block_us_median']:.1f} us, p99 {r['block_us_p99']:.1f} us")
    return r


def _keyframe(args) -> dict:
    from vj.bench.common import bench_keyframe

    rows = bench_keyframe(sizes=args.size or [512, 768], device=args.device, steps=args.steps,
                          prior_steps=args.prior_steps, repeats=args.repeats, tiny=args.tiny)
    print(f"one keyframe, {'tiny' if args.tiny else 'real'} Kandinsky 2.2 architecture "
          f"with random weights, {rows[0]['device']}, {rows[0]['dtype']}, "
          f"{args.prior_steps} prior + {args.steps} decoder steps:")
    for r in rows:
        print(f"  {r['size']}x{r['size']} (latent {r['latent']}): {r['seconds']:.2f} s "
              f"(prior {r['prior_seconds']:.2f} s)")
    return {"rows": rows}


def _tagger(args) -> dict:
    from vj.bench.common import bench_tagger
    from vj.bench.machine import machine, one_core

    pin = one_core()
    r = bench_tagger()
    print(f"machine: {machine()} ({pin})")
    print(f"tagging one 3-second window (log-mel + musicnn MTT) on one core: onnxruntime "
          f"median {r['onnx']:.1f} ms (p99 {r['onnx_p99']:.1f}), torch median "
          f"{r['torch']:.1f} ms (p99 {r['torch_p99']:.1f})")
    return r


def _decode(args) -> dict:
    from vj.bench.decode import bench_decode, format_decode

    backends = (["torch", "compile", "tensorrt", "onnx"] if args.backend in (None, ["all"])
                else args.backend)
    def row_done(row: dict) -> None:   # as it comes: a run cut short keeps its rows
        print(format_decode([row]).splitlines()[-1], flush=True)

    rows = bench_decode(sizes=args.size or [512, 768], backends=backends,
                        batches=args.batch or [1], frames=args.frames, device=args.device,
                        tiny=args.tiny, on_row=row_done)
    arch = "tiny test architecture" if args.tiny else (
        "the real Kandinsky 2.2 MoVQ architecture with random weights (no weights needed)")
    print(f"decode benchmark: {arch}; {rows[0]['device']}, {rows[0]['dtype']}; "
          f"{rows[0]['flops_per_frame'] / 1e12:.2f} TFLOP per frame at {rows[0]['size']}")
    print(format_decode(rows))
    return {"rows": rows}


def _record(args) -> dict:
    from vj.bench.common import bench_record
    from vj.bench.machine import machine

    r = bench_record(seconds=args.seconds or 60.0, size=args.size or 512, fps=30,
                     model="tiny" if args.tiny else args.model, decoder=args.decoder,
                     device=args.device, batch=args.batch)
    print(f"machine: {machine()}")
    print(f"record, {r['what']}, {r['size']}x{r['size']}, 30 fps: {r['seconds']:.0f} s of "
          f"music in {r['wall']:.1f} s = {r['realtime_factor']:.2f}x real time "
          f"({r['fps']:.0f} frames/s; {r['realtime_factor_prepared']:.2f}x once the decoder "
          f"was prepared in {r['prepare_s']:.1f} s); peak memory {r['peak_rss_mb']:.0f} MB")
    return r


def _latency(args) -> dict:
    from vj.bench.live import bench_latency
    from vj.bench.machine import machine

    r = bench_latency(model="tiny" if args.tiny else args.model, size=args.size or 512,
                      decoder=args.decoder, device=args.device,
                      seconds=max(args.seconds or 8.0, 3.0))
    print(f"machine: {machine()}")
    print(f"impulse-to-photon latency, headless, {r['model']} bank "
          f"{r['size']}x{r['size']}, decoder {r['decoder']} (median "
          f"{r['decode_ms_median']:.1f} ms per frame), {r['fps']:.1f} fps, "
          f"{r['drops']} dropped: median {r['median_ms']:.1f} ms, max {r['max_ms']:.1f} ms "
          f"over {r['clicks']} clicks (frame period {r['period_ms']:.1f} ms); audio-to-photon "
          f"(ADC to completed frame) median {r['latency_ms_median']:.1f} ms")
    return r


def _soak(args) -> dict:
    from vj.bench.machine import machine
    from vj.bench.soak import bench_soak

    def progress(t: float, m: dict) -> None:
        sh, au = m["show"], m.get("audio") or {}
        print(f"  {t / 60:6.1f} min: show {sh.get('rss', 0):.1f} MB (heap {sh.get('heap', 0):.1f}, "
              f"anon {sh.get('anon', 0):.1f}, GL {sh.get('gl', 0):.1f}"
              + (f", traced {sh['traced']:.2f}" if "traced" in sh else "")
              + f"), audio {au.get('rss', 0):.1f} MB", flush=True)

    r = bench_soak(minutes=args.minutes, size=args.size or 256,
                   model="tiny" if args.tiny else args.model, osc_port=args.osc_port,
                   web=args.web, dmx=args.dmx, bank_every=args.bank_every,
                   trace=not args.no_trace, allocator=not args.glibc_defaults,
                   progress=None if args.quiet else progress)
    print(f"machine: {machine()}")
    print(r["summary"])
    print(f"soak, headless {r['minutes']:g} min, looping song, one OSC message a second "
          f"({r['osc_packets']} received)" + (", a web page polling" if args.web else "")
          + (", Art-Net at 30 Hz" if args.dmx else "")
          + (f", a bank switch every {args.bank_every:g} s" if args.bank_every else "")
          + f": {r['fps']:.1f} fps, {r['drops']} dropped, p99 {r['frame_ms_p99']:.1f} ms")
    print("resident memory (MB) at minute:  " + "  ".join(
        f"{m}: show {v['show'].get('rss', 0):.1f}, audio {v['audio'].get('rss', 0):.1f}"
        for m, v in r["marks"].items()))
    ph = r["per_hour_after_early"]
    print(f"growth per hour after minute {r['fit_from_minute']:g}: show "
          + ", ".join(f"{k} {v:+.2f}" for k, v in ph["show"].items())
          + "; audio " + ", ".join(f"{k} {v:+.2f}" for k, v in ph["audio"].items()
                                   if k != "traced"))
    for g in r.get("top_growers", []):
        print(f"  grew {g['kb']:8.1f} kB in {g['count']:+6d} blocks at {g['where']}")
    return r


def _prompts(args) -> dict:
    from vj.bench.machine import machine
    from vj.bench.prompts import FUSION_INPUT, FUSION_NEW, TURN_INPUT, TURN_NEW, WHISPER_NEW, bench_prompts

    dev = "cuda" if args.device in ("auto", "cuda") and _cuda() else "cpu"
    r = bench_prompts(repeats=args.repeats, device=dev, on_stage=None if args.quiet else
                      lambda s: print(f"  building {s} (random weights)", flush=True))
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
    return r


def cmd_bench(args) -> int:
    write_json(args.json, args.run(args))
    return 0


def _refine(args) -> dict:
    from vj.bench.refine import bench_refine, format_refine

    def row_done(row: dict) -> None:
        print(format_refine([row]).splitlines()[-1], flush=True)

    rows = bench_refine(sizes=args.size or [512, 768], backends=args.backend or ["eager",
                                                                                "compile"],
                        frames=args.frames, device=args.device, tiny=args.tiny,
                        steps=args.steps, on_row=row_done)
    ok = [r for r in rows if "error" not in r]
    arch = "tiny test models" if args.tiny else "SD-Turbo's UNet and TAESD (random weights)"
    print(f"refine benchmark: {arch}; {ok[0]['device'] if ok else '-'}, "
          f"{ok[0]['dtype'] if ok else '-'}; {args.steps} step(s), ms per frame:")
    print(format_refine(rows))
    return {"rows": rows}


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def add_bench_parser(sub) -> None:
    p = sub.add_parser("bench", help="measure speed and memory (prints numbers)",
                       description="Benchmarks; their numbers, machine and date go in "
                       "docs/benchmarks.md. `vj bench SUBCOMMAND --help` for each one's options.")
    which = p.add_subparsers(dest="what", metavar="SUBCOMMAND", required=True,
                             help="what to measure")

    def bench(name: str, run, help: str):
        q = which.add_parser(name, help=help, description=help)
        add_json(q, "the numbers")
        q.set_defaults(func=cmd_bench, run=run)
        return q

    def tiny(q, what="a quick check of the benchmark"):
        q.add_argument("--tiny", action="store_true", help=f"tiny architecture ({what})")

    def model(q):
        q.add_argument("--model", choices=["image", "real"], default="image",
                       help="an image bank (default) or a latent bank decoded by the real MoVQ "
                       "architecture with random weights")

    q = bench("audio", _audio, "the streaming energy engine on one core")
    q.add_argument("--seconds", type=positive_float, help="seconds of synthetic audio (60)")
    energy_options(q)

    q = bench("refine", _refine, "the live refinement per frame: encode, step, decode, whole, "
              "and after a MoVQ decode")
    q.add_argument("--size", type=square, nargs="+", metavar="N", help="sizes (512 768)")
    q.add_argument("--backend", nargs="+", choices=["eager", "compile"],
                   help="backends (eager compile)")
    q.add_argument("--frames", type=positive_int, default=50, help="timed frames (50)")
    q.add_argument("--steps", type=ranged(int, 1, 2), default=1, help="UNet steps (1)")
    add_device(q)
    tiny(q)

    q = bench("keyframe", _keyframe, "one Kandinsky keyframe: real architecture, random weights")
    q.add_argument("--size", type=square, nargs="+", metavar="N", help="sizes (512 768)")
    add_device(q)
    q.add_argument("--steps", type=positive_int, default=50, help="decoder steps (50)")
    q.add_argument("--prior-steps", type=positive_int, default=25, help="prior steps (25)")
    q.add_argument("--repeats", type=positive_int, default=2, help="timed runs per size (2)")
    tiny(q)

    q = bench("record", _record, "vj record of a synthetic song: image mode, or (--model real) "
              "the real MoVQ architecture with random weights")
    q.add_argument("--seconds", type=positive_float, help="seconds of music (60)")
    q.add_argument("--size", type=square, metavar="N", help="frame size (512)")
    model(q)
    tiny(q)
    add_decoder(q)
    add_device(q)
    q.add_argument("--batch", type=positive_int, help="frames per decoder call (1)")

    q = bench("decode", _decode, "the MoVQ decoder backends")
    q.add_argument("--size", type=square, nargs="+", metavar="N", help="sizes (512 768)")
    q.add_argument("--backend", nargs="+", help="backends (default all)")
    q.add_argument("--batch", type=positive_int, nargs="+", help="batch sizes (1)")
    q.add_argument("--frames", type=positive_int, default=200, help="timed frames (200)")
    add_device(q)
    tiny(q)

    bench("tagger", _tagger, "the musicnn tagger on one core")

    q = bench("latency", _latency, "impulse-to-photon latency of the headless show on a "
              "click track")
    q.add_argument("--seconds", type=positive_float, help="length of the click track (8)")
    q.add_argument("--size", type=square, metavar="N", help="bank and output size (512)")
    model(q)
    tiny(q)
    add_decoder(q)
    add_device(q)

    q = bench("soak", _soak, "a long headless show with OSC traffic: memory and frame rate")
    q.add_argument("--minutes", type=positive_float, default=10.0, help="length (10)")
    q.add_argument("--size", type=square, metavar="N", help="output size (256)")
    model(q)
    tiny(q)
    q.add_argument("--osc-port", type=port, default=7400, help="OSC port (7400)")
    q.add_argument("--web", action="store_true",
                   help="a web page connected (reconnecting once a minute) and /api/status "
                   "read every second")
    q.add_argument("--dmx", action="store_true", help="a desk sending Art-Net at 30 Hz")
    q.add_argument("--bank-every", type=positive_float, metavar="S",
                   help="switch between two banks every S seconds")
    q.add_argument("--no-trace", action="store_true",
                   help="no tracemalloc (it costs a little CPU per allocation)")
    q.add_argument("--glibc-defaults", action="store_true",
                   help="leave the C allocator as glibc sets it (vj live fixes its mmap and "
                   "trim thresholds and trims once a minute: vj/runtime/memory.py)")
    q.add_argument("--quiet", action="store_true", help="no per-sample lines")

    q = bench("prompts", _prompts, "each stage of `vj prompts` (Whisper, CLAP, the LLM), real "
              "architectures with random weights")
    q.add_argument("--repeats", type=positive_int, default=2, help="timed runs per stage (2)")
    add_device(q)
    q.add_argument("--quiet", action="store_true", help="no progress lines")
