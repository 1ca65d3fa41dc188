"""The live show: a short loop over the parts of :mod:`vj.live` (DESIGN.md section 3).

Once per display refresh the render loop applies the commands, reads the newest
energy, steps the motion, asks the decode worker for the next position, uploads
the newest decoded frame, draws the effects at the display rate and swaps.  It
waits on nothing: audio, analysis, decoding, loading and OSC run on their own
threads, and each part reports its own faults and falls back.
"""
from __future__ import annotations

import logging
import threading
import time

from vj.errors import VjError
from vj.live import chaos
from vj.live.analysis import Analysis, EnergyView
from vj.live.audio_input import START_GRACE, FileInput, open_input
from vj.live.config import ShowConfig, Summary  # noqa: F401  (ShowConfig: public here)
from vj.live.controls import Controls
from vj.live.decode_worker import DecodeWorker
from vj.live.faults import Faults
from vj.live.library import Library
from vj.live.motion import Motion
from vj.live.telemetry import Telemetry

log = logging.getLogger("vj.live")


class Show:
    def __init__(self, config: ShowConfig, *, probe: bool = False) -> None:
        from vj.presets import load_presets, slug

        self.config, self.probe = config, probe
        self.faults = Faults()
        self.library = Library(self.faults, decoder=config.decoder, device=config.device,
                               roots=config.bank_dirs, max_open=config.max_open)
        names = []
        for b in config.banks:
            try:
                names.append(self.library.add(b))
            except VjError as e:
                self.faults.report("loader", f"bank {b} refused ({e})")
        if not names:
            raise VjError("no usable bank: " + ("; ".join(self.faults.listing())
                                                or "give --bank DIR"))
        presets = load_presets(config.presets_dirs)
        genre = self.library.banks[names[0]].manifest.get("genre")
        preset = config.preset or (genre if genre and presets.get(slug(genre)) else None) \
            or "electronic"
        self.controls = Controls(presets, self.library, preset=preset, bank=names[0],
                                 hud=config.hud, auto=config.auto)
        self.log = Telemetry(probe)
        self.status: dict = {}
        self.osc = self.feeder = self.midi = self.link = None
        self.feeds: list = []
        from vj.live.tempo import Quantiser, TempoSources

        self.tempo = TempoSources(self)
        self.controls.quantiser = Quantiser(config.quantize, config.beats_per_bar, self.tempo.grid)
        self.t0 = 0.0
        self.running = threading.Event()   # set when the loop draws its first frame

    @property
    def state(self):
        return self.controls.state

    @property
    def scene_cuts(self) -> list[float]:
        return self.motion.scene_cuts

    @property
    def auto_switches(self) -> list:
        return self.controls.auto_switches

    # -- start, run, stop ------------------------------------------------------------------------
    def run(self) -> Summary:
        from vj.live.stage import Stage

        cfg = self.config
        chaos.arm()
        if cfg.osc:  # first: a busy port fails before a window opens
            from vj.control.osc import OscServer

            c = self.controls
            self.osc = OscServer(host=cfg.osc_host, port=cfg.osc_port, profile=cfg.desk,
                                 feedback=cfg.feedback, status=lambda: self.status,
                                 names=c.names, allow=cfg.osc_allow,
                                 bank_folder_ok=self.library.folder_allowed, faults=self.faults)
            log.info("OSC on %s:%d (%s profile)", *self.osc.address, self.osc.profile.name)
        if cfg.midi_in:
            from vj.midi.live import MidiControl

            self.midi = MidiControl(cfg.midi_in, self.faults, mapping=cfg.midi_map,
                                    api=cfg.midi_api, soft=cfg.soft_takeover)
        if cfg.link:
            from vj.live.tempo import LinkSession

            self.link = LinkSession(self.faults, bpm=cfg.link_bpm, quantum=cfg.beats_per_bar)
        parts = [p for p in (self.osc, self.midi, self.link) if p is not None]
        try:
            self.source = open_input(cfg.audio_file, cfg.input_device, self.faults, sr=cfg.params.sr,
                                     loop=cfg.loop_audio, pick=cfg.input_channels)
            parts.append(self.source)
            self.feeder = self.source if isinstance(self.source, FileInput) else None
            self.stage = Stage(headless=cfg.headless, size=cfg.size, monitor=cfg.monitor,
                               fullscreen=cfg.fullscreen, shaders=cfg.shaders,
                               crossfade=cfg.crossfade, faults=self.faults, probe=self.probe,
                               preview=(cfg.preview_size, cfg.preview_monitor) if cfg.preview
                               else None)
            parts.append(self.stage)
            self._start_outputs(parts)
            self.analysis = Analysis(self.source, cfg.params, self.faults)
            self.decoder = DecodeWorker(self.faults, fallback=self.library.fallback)
            self.auto = None
            self.library.prepare([self.state.bank] + [n for n in self.library.names()
                                                      if n != self.state.bank])
            parts += [self.library.start(), self.decoder, self.analysis]
            if cfg.auto:   # the taggers load before the loop, not under it
                self._start_auto(preload=True)
            self.decoder.start()
            self.analysis.start()
            if self.osc is not None:
                self.osc.start()
            for p in (self.midi, self.link):
                if p is not None:
                    p.start()
            if not self.source.is_alive():
                self.source.start()
            return self._loop()
        finally:
            if getattr(self, "auto", None) is not None:
                self.auto.stop()
            for part in reversed(parts):   # every part stops and its thread is joined
                try:
                    part.stop() if hasattr(part, "stop") else None
                    if hasattr(part, "close"):
                        part.close()
                except Exception as e:
                    log.warning("stopping %s: %s", type(part).__name__, e)

    def _loop(self) -> Summary:
        cfg, c, tel, stage = self.config, self.controls, self.log, self.stage
        period = 1.0 / cfg.fps
        m = c.preset.motion
        self.motion = Motion(m.segment, m.speed)
        view = EnergyView(self.analysis.onsets)
        look = c.state.changed_look
        t0 = last = next_due = time.perf_counter()
        next_poll = t0 + 0.5
        self.t0 = t0
        self.running.set()
        while not c.quit:
            now = time.perf_counter()
            dt, last = now - last, now
            if cfg.duration is not None and now - t0 >= cfg.duration:
                break
            stage.target.poll()
            if stage.target.should_close():
                break
            # 1. commands: desk, keyboard, loader, automatic genre
            self._commands(now, now - t0)
            if c.state.changed_look != look:   # a new preset: fade from what is on screen
                look = c.state.changed_look
                if stage.renderer is not None:
                    stage.renderer.start_crossfade()
                    stage.fade_start = now
            # 2. energy
            pub = self.analysis.latest
            e, onset, stale = view.read(pub, now)
            self._audio_fault(stale and (pub.adc > 0 or now - t0 > START_GRACE))
            # 3. motion; the decode worker decodes the next frame's position meanwhile
            self.motion.step(now, now - t0, dt, e, onset, c, self.tempo.segment())
            src = self.library.source(c.state.bank) or self.library.placeholder(c.state.bank)
            if src is not None:
                self.decoder.request(src, *self.motion.ahead(period))
            # 4. draw the newest decoded frame, effects at the display rate
            slot = self.decoder.newest()
            if slot is not None:
                stage.show(slot, now)
            c.refresh()
            self._hud_at = (now, e, pub)       # read by _hud_values when a HUD is due
            stage.draw(now, now - t0, dt, c.fx, onset=onset, energy=e, state=c.state,
                       hud_values=self._hud_values)
            if self.feeds:
                stage.feed(self.feeds)
            drawn, swap = stage.swap()
            # 5. measure
            tel.frame(swap - t0, dt, period, None if stale else (swap - pub.adc) * 1000.0)
            if self.probe:
                tel.brightness.push(stage.last_brightness)
                tel.change.push(stage.last_change)
            if swap >= next_poll:
                next_poll = swap + 0.5
                self._housekeeping(swap, e)
            # 6. pace (a window is paced by vsync in swap())
            if stage.target.flip is False:
                next_due = max(next_due + period, swap - period)
                delay = next_due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
        return self._summary(time.perf_counter() - t0)

    # -- the loop's stages -------------------------------------------------------------------------
    def _commands(self, now: float, t: float) -> None:
        c = self.controls
        if self.osc is not None:
            for cmd in self.osc.drain():
                c.apply(cmd, now)
        if self.midi is not None:
            self.midi.apply(c, now)
        if self.link is not None:
            self.tempo.follow_link()
        c.keys(self.stage.target, now)
        c.release(now, 0.5 / self.config.fps)
        c.events(now)
        c.switch_when_ready(now)
        if c.state.auto and self.auto is None:   # started on the first /vj/auto 1
            self._start_auto()
        if self.auto is not None:
            c.auto_genre(self.auto.genre, now, t)

    def _start_outputs(self, parts: list) -> None:
        """--ndi / --output: a sink that cannot open stops the show before it starts."""
        from vj.live.frame_out import FrameFeed
        from vj.live.outputs import make_sink

        cfg = self.config
        for spec in cfg.outputs:
            sink = make_sink(spec)
            try:
                feed = FrameFeed(sink, cfg.output_size or cfg.size, cfg.fps, self.faults)
                feed.start(self.stage.target.ctx)
            except VjError:
                raise
            except Exception as e:
                raise VjError(f"--output {spec}: cannot open ({str(e)[:160]})") from None
            parts.insert(parts.index(self.stage), feed)   # stopped before the GL context
            self.feeds.append(feed)

    def _start_auto(self, preload: bool = False) -> None:
        from vj.live.autogenre import AutoGenre

        cfg = self.config
        self.auto = AutoGenre(self.analysis, self.faults, interval=cfg.auto_interval,
                              hold=cfg.auto_hold, current=self.controls.state.preset)
        if preload:
            self.auto.load()
        self.auto.start()

    def _audio_fault(self, stale: bool) -> None:
        if stale:
            why = getattr(self.source, "fault", lambda: None)() or "no audio"
            self.faults.report("audio", why if why.startswith("no audio") else f"no audio ({why})")
        elif self.faults.active("audio"):
            self.faults.clear("audio", "audio is back")

    def _hud_values(self) -> dict:
        now, e, pub = self._hud_at
        osc = self.osc
        src = self.stage.source
        return {"fps": self.log.fps.per_second(now - self.t0),
                "decode_fps": self.decoder.fps(time.perf_counter()),
                "decode_ms": self.decoder.decode_ms.last(), "decoder": getattr(src, "name", "-"),
                "latency_ms": self.log.latency_ms.last(), "P": pub.frame.percussive,
                "H": pub.frame.harmonic, "E": e, "level": pub.frame.level,
                "preset": self.state.preset, "bank": self.state.bank,
                "osc": (osc.stats.packets, osc.stats.bad) if osc else (0, 0),
                "overruns": self.analysis.overruns, "fault": self.faults.active(),
                "bpm": self.state.bpm, "tempo_source": self.state.tempo_source,
                "next": self.controls.next_up(),
                "midi": self.status.get("midi", "")}

    def _housekeeping(self, swap: float, e: float) -> None:
        try:
            self.stage.shaders.poll()
        except Exception as e_:
            self.faults.report("shaders", f"reload failed ({e_})")
        lat = self.log.latency_ms
        self.status = {"fps": self.log.fps.per_second(swap - self.t0), "preset": self.state.preset,
                       "energy": e, "latency_ms": lat.last() if len(lat) else 0.0,
                       "dropped": self.log.drops, "fault": self.faults.active() or "",
                       "midi": self.midi.status() if self.midi else ""}

    def _summary(self, seconds: float) -> Summary:
        t = self.log
        osc = self.osc
        return Summary(
            t.frames, seconds, t.drops, t.frames / max(seconds, 1e-9),
            t.frame_ms.percentile(50), t.frame_ms.percentile(99), t.longest_ms,
            self.decoder.decode_ms.percentile(50),
            self.decoder.decode_ms.count / max(seconds, 1e-9), t.latency_ms.percentile(50),
            osc.stats.packets if osc else 0, osc.stats.bad if osc else 0,
            getattr(self.stage.source, "name", "none"), self.analysis.overruns,
            getattr(self.source, "status_flags", 0), self.faults.listing(),
            tempo=self._tempo_report())

    def _tempo_report(self) -> str:
        return "; ".join(x for x in (self.tempo.report(), self.controls.quantiser.report(),
                                     *(f.report() for f in self.feeds)) if x)
