"""`vj live` and `vj devices`: the command line of the live show (docs/live.md)."""
from __future__ import annotations

from vj.dmx.cli import add_dmx_options
from vj.errors import VjError
from vj.options import (
    add_decoder,
    add_device,
    add_fit,
    add_refine,
    add_size,
    fps,
    host_port,
    hosts,
    input_channels,
    port,
    positive_float,
    positive_int,
    ranged,
    size,
    web_address,
)
from vj.show.process import add_show_options


def cmd_live(args) -> int:
    import logging

    from vj.live.show import Show, ShowConfig
    from vj.runtime.memory import start_trimmer, tune_allocator
    from vj.show.process import stop_on_signals

    logging.basicConfig(level=logging.INFO, format="vj: %(message)s")
    show_file = setlist = saved = None
    if args.show:
        from vj.show.load import load_for_live

        show_file = args.show
        setlist, saved = load_for_live(args, args._parser, getattr(args, "live_argv", []))
    elif not args.bank:
        raise VjError("give --bank DIR (or a show file: --show SHOW.toml)")
    cfg = ShowConfig(banks=args.bank, audio_file=args.audio_file, input_device=args.input_device,
                     input_channels=args.input_channels,
                     headless=args.headless, size=args.size, fit=args.fit,
                     monitor=args.monitor,
                     fullscreen=args.fullscreen, fps=args.fps, osc=not args.no_osc,
                     osc_host=args.osc_host, osc_port=args.osc_port, desk=args.desk,
                     feedback=args.osc_feedback, decoder=args.decoder, device=args.device,
                     preset=args.preset, presets_dirs=args.presets, shaders=args.shaders,
                     duration=args.duration, hud=args.hud, loop_audio=args.loop,
                     auto=args.auto, auto_hold=args.auto_hold, osc_allow=args.osc_allow,
                     bank_dirs=args.bank_dir, max_open=args.max_open, midi_in=args.midi_in,
                     midi_map=args.midi_map, midi_api=args.midi_api,
                     soft_takeover=not args.no_soft_takeover, link=args.link,
                     link_bpm=args.link_bpm, quantize=args.quantize,
                     beats_per_bar=args.beats_per_bar, bars_per_keyframe=args.bars_per_keyframe,
                     outputs=[f"ndi:{n}" for n in args.ndi] + args.output,
                     output_size=args.output_size, preview=args.preview,
                     preview_size=args.preview_size, preview_monitor=args.preview_monitor,
                     render_scale=args.render_scale, summary_json=args.summary_json,
                     dmx=args.dmx, dmx_address=args.dmx_address, dmx_mode=args.dmx_mode,
                     dmx_personality=args.dmx_personality, dmx_host=args.dmx_host,
                     dmx_allow=args.dmx_allow, dmx_loss=args.dmx_loss,
                     dmx_loss_after=args.dmx_loss_after, dmx_ignore_blank=args.dmx_ignore_blank,
                     web=args.web, web_allow=args.web_allow,
                     web_preview=not args.no_web_preview, web_token=args.web_token,
                     web_hud_token=args.web_hud_token, refine=args.refine,
                     refine_steps=args.refine_steps, show_file=show_file, setlist=setlist,
                     resume=saved, advance=args.advance, silence_after=args.silence_after,
                     timecode=args.timecode, timecode_freewheel=args.timecode_freewheel,
                     ltc_channel=args.ltc_channel - 1 if args.ltc_channel else None)
    tune_allocator()           # a long show's C heap gives back what it frees
    start_trimmer()
    show = Show(cfg)
    stop_on_signals(show)
    summary = show.run()
    print(summary.text())
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


def add_live_parser(sub) -> None:
    p = sub.add_parser(
        "live", help="run the show: audio in, visuals out, OSC control",
        description="The live show: listens to an audio input (or --audio-file), moves through "
        "the bank's keyframes with the music and draws them through the shaders on a window "
        "or projector; a lighting desk steers it over OSC (docs/live.md).")
    add_show_options(p)
    p.add_argument("--bank", action="append", metavar="DIR",
                   help="bank folder; repeat for more banks (switch with /vj/bank); "
                   "required without --show")
    p.add_argument("--audio-file", metavar="SONG", help="play this file instead of the input")
    p.add_argument("--loop", action="store_true", help="loop --audio-file")
    p.add_argument("--input-device", metavar="NAME", help="audio input name or index (vj devices)")
    p.add_argument("--input-channels", type=input_channels, metavar="3,4",
                   help="listen to these channels of a multichannel input (from 1; mixed to "
                   "mono; default the first two)")
    p.add_argument("--monitor", metavar="N", help="monitor index or part of its name")
    p.add_argument("--fullscreen", action="store_true",
                   help="borderless fullscreen on --monitor (F toggles)")
    add_size(p, default=(1280, 720), old="--window-size",
             help="window or headless output size, 1280x720 or 512 (a square; default 1280x720)")
    add_fit(p)
    p.add_argument("--headless", action="store_true",
                   help="render off-screen (EGL), no window: servers, tests, checks over SSH")
    p.add_argument("--fps", type=fps, default=60.0,
                   help="headless frame rate (default 60; a window follows its monitor)")
    p.add_argument("--duration", type=positive_float, help="stop after S seconds with a summary")
    p.add_argument("--preset", help="starting genre preset (default: the bank's genre)")
    p.add_argument("--presets", action="append", metavar="DIR", help="extra preset folder")
    add_decoder(p)
    add_device(p)
    add_refine(p)
    p.add_argument("--osc-port", type=port, default=7000, help="OSC UDP port (default 7000)")
    p.add_argument("--osc-host", default="0.0.0.0", help="OSC bind address (default all)")
    p.add_argument("--desk", default="generic",
                   help="desk profile: generic, grandma3, eos, magicq, or a TOML file")
    p.add_argument("--osc-feedback", type=host_port, metavar="HOST:PORT",
                   help="send accepted changes back to this address")
    p.add_argument("--no-osc", action="store_true", help="do not listen for OSC")
    p.add_argument("--osc-allow", type=hosts, metavar="HOST,...",
                   help="only these hosts may send OSC (names or addresses; default any)")
    p.add_argument("--bank-dir", action="append", default=[], metavar="DIR",
                   help="folder whose bank folders /vj/bank may load by path (repeatable)")
    p.add_argument("--max-open", type=positive_int, default=3, metavar="N",
                   help="decoders kept open at once, least recently used out (default 3)")
    p.add_argument("--hud", action="store_true", help="start with the HUD on (H toggles)")
    p.add_argument("--auto", action="store_true",
                   help="pick the genre preset from the music (also /vj/auto 1)")
    p.add_argument("--auto-hold", type=positive_float, default=16.0,
                   help="seconds a new genre must hold before --auto switches (default 16)")
    p.add_argument("--shaders", metavar="DIR", help="shader folder (default: the project's)")
    p.add_argument("--ndi", action="append", default=[], metavar="NAME",
                   help="send the clean picture as an NDI source (Resolume, OBS, vMix); needs "
                   "pip install 'vj[ndi]'")
    p.add_argument("--output", action="append", default=[], metavar="KIND:NAME",
                   help="another frame output: spout:NAME (Windows), syphon:NAME (macOS), "
                   "v4l2[:/dev/videoN] (Linux virtual camera); repeatable")
    p.add_argument("--output-size", type=size, metavar="N|WxH",
                   help="picture size of --ndi and --output (default the window size)")
    p.add_argument("--preview", action="store_true",
                   help="a second window for the operator: the picture with the HUD (meters, "
                   "tempo, next preset, faults); the projector stays clean")
    p.add_argument("--preview-monitor", metavar="N", help="monitor of the preview window")
    p.add_argument("--preview-size", type=size, default=(640, 360), metavar="N|WxH",
                   help="preview window size (default 640x360)")
    p.add_argument("--midi-in", metavar="NAME",
                   help="MIDI controller input (part of its name; `vj midi ports`); needs "
                   "pip install 'vj[midi]'")
    p.add_argument("--midi-map", metavar="MAP",
                   help="MIDI mapping: generic (default), nanokontrol2, or a TOML file from "
                   "`vj midi learn`")
    p.add_argument("--midi-api", default="auto", choices=["auto", "alsa", "jack"],
                   help="MIDI system (default auto: ALSA on Linux)")
    p.add_argument("--link", action="store_true",
                   help="join an Ableton Link session (tempo and beat); needs pip install "
                   "'vj[link]' (aalink, GPL-3.0)")
    p.add_argument("--link-bpm", type=ranged(float, 20, 400), default=120.0,
                   help="Link tempo when vj is the first peer (default 120)")
    p.add_argument("--quantize", default="off", choices=["off", "beat", "bar"],
                   help="hold cuts, preset and bank switches until the next beat or bar of "
                   "the leading tempo source: Link, MIDI clock or tap (default off)")
    p.add_argument("--beats-per-bar", type=ranged(int, 1, 32), default=4,
                   help="bar length (default 4)")
    p.add_argument("--bars-per-keyframe", type=positive_float, metavar="N",
                   help="with a tempo (Link, MIDI clock, tap): move one keyframe per N bars "
                   "on average instead of the preset's segment")
    p.add_argument("--render-scale", type=ranged(float, 0.25, 1.0), metavar="S",
                   help="draw the picture at S (0.25-1) of the output's resolution and "
                   "stretch it (default: adaptive, lowered in steps while the frames do not "
                   "fit the display's period, raised again when they do)")
    p.add_argument("--summary-json", metavar="FILE",
                   help="write the closing summary as JSON (frames, frame-time and latency "
                   "percentiles, overruns, hops analysed, faults with their times, render "
                   "scale) for tools")
    p.add_argument("--no-soft-takeover", action="store_true",
                   help="MIDI and DMX faders set their level at once instead of picking it up")
    add_dmx_options(p)
    p.add_argument("--web", type=web_address, metavar="[HOST:]PORT",
                   help="a web remote for a phone or a laptop: --web 8080 on every interface, "
                   "--web 127.0.0.1:8080 on one; the address with its access token (and a QR "
                   "code) is printed at start")
    p.add_argument("--web-allow", type=hosts, metavar="HOST,...",
                   help="only these hosts may open the web remote (default any with the token)")
    p.add_argument("--no-web-preview", action="store_true",
                   help="no live picture on the web page (saves a small readback 5 times a "
                   "second)")
    p.add_argument("--web-token", metavar="TEXT",
                   help="the web remote's access token (default: the one kept in vj's state "
                   "folder, the same across restarts; `vj web token --new` replaces it)")
    p.add_argument("--web-hud-token", action="store_true",
                   help="show the web address with its token in the HUD (mind the projector)")
    p.set_defaults(func=cmd_live, _parser=p)


def add_devices_parser(sub) -> None:
    p = sub.add_parser("devices", help="list audio inputs and monitors",
                       description="List the audio inputs PortAudio can open and the monitors "
                       "(name and index for --input-device and --monitor).")
    p.set_defaults(func=cmd_devices)
