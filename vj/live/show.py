"""The live show: a short loop over the parts of :mod:`vj.live` (docs/design.md).

Once per display refresh the render loop applies the commands, reads the newest
energy from the audio process's board, steps the motion, asks the decode worker for
the next position, uploads the newest decoded frame, draws the effects at the
display rate and swaps.  It waits on nothing: the audio runs in a process of its own
(vj.engine), decoding, loading and OSC on their own threads, and each part reports
its own faults and falls back.  GPU waits release the interpreter lock.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import ExitStack

from vj.errors import VjError
from vj.live.adapt import RenderScale
from vj.live.autogenre import start_auto
from vj.live.config import ShowConfig, Summary  # noqa: F401  (ShowConfig: public here)
from vj.live.controls import Controls
from vj.live.driving import Motion
from vj.live.energy_view import EnergyView
from vj.live.faults import Faults, quietly
from vj.live.inputs import open_network, open_rig, web_preview_feed
from vj.live.library import Library
from vj.live.report import hud_values, status_values, summary
from vj.live.telemetry import Telemetry
from vj.live.tempo import Quantiser, TempoSources
from vj.runtime import chaos
from vj.show.process import Heartbeat
from vj.show.runner import open_set, timecode_source

log = logging.getLogger("vj.live")

#: Seconds after the start before missing audio is a fault: a new stream's first
#: callbacks (the ALSA pulse plugin took 1.5-2 s here, and paused after its first
#: blocks); until then the energy only decays.
START_GRACE = 3.0


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
        self.controls.state.fit = config.fit
        self.log = Telemetry(probe)
        self.tempo = TempoSources(self.controls.state, bars_per_keyframe=config.bars_per_keyframe,
                                  beats_per_bar=config.beats_per_bar)
        self.controls.quantiser = Quantiser(config.quantize, config.beats_per_bar, self.tempo.grid)
        m = self.controls.preset.motion
        self.motion = Motion(m.segment, m.speed)
        self.render_scale = RenderScale(config.render_scale)
        self.set = self.controls.cues = open_set(config, self.faults)   # a show file's set list
        if self.set is not None:            # --timecode: MTC from the MIDI input, LTC the board
            self.set.timecode = timecode_source(self)
        self.heartbeat = Heartbeat.from_env()   # to the supervisor (vj.supervisor)
        self.status: dict = {}
        # the parts, made by run()
        self.audio = self.view = self.stage = self.decoder = self.auto = None
        self.osc = self.midi = self.link = self.dmx = self.web = self.web_control = None
        self.refine = None
        self.feeds: list = []
        self._stack: ExitStack | None = None
        self.t0 = 0.0
        self.last_frame_at = 0.0            # when the last frame the loop began began
        self._peak = 0.0                    # the highest energy since the last status
        self._hud_at = (0.0, 0.0)           # (time, energy) of the frame a HUD shows
        self.period = 1.0 / config.fps
        self.running = threading.Event()   # set when the loop draws its first frame

    @property
    def state(self):
        return self.controls.state

    @property
    def feeder(self):
        """The file input's clock (``wall_of(sample)``), or None for a live input."""
        return self.audio if self.config.audio_file else None

    @property
    def scene_cuts(self) -> list[float]:
        return self.motion.scene_cuts

    @property
    def auto_switches(self) -> list:
        return self.controls.auto_switches

    # -- start, run, stop ------------------------------------------------------------------------
    def run(self) -> Summary:
        with ExitStack() as stack:
            self._stack = stack
            self._start(stack)
            return self._loop()

    def _start(self, stack: ExitStack) -> None:
        """Every part, each stopped by ``stack`` in the reverse order."""
        from vj.engine.host import AudioEngine
        from vj.live.decode_worker import DecodeWorker
        from vj.live.stage import Stage

        cfg = self.config
        t0 = chaos.arm()
        self.faults.t0 = t0
        open_network(self, stack)  # first: a busy port fails before a window opens
        if self.set is not None:   # the last state saved as the show stops
            stack.callback(quietly("set list", lambda: self.set.close(self)))
        # the audio process before GL and any model: nothing here can hold it up
        self.audio = AudioEngine(self.faults, audio_file=cfg.audio_file, device=cfg.input_device,
                                 pick=cfg.input_channels, loop=cfg.loop_audio, params=cfg.params,
                                 chaos_t0=t0, ltc=cfg.ltc_channel)
        stack.callback(quietly("audio", self.audio.stop))
        self.audio.open()
        open_rig(self, stack)
        self.stage = Stage(headless=cfg.headless, size=cfg.size, monitor=cfg.monitor,
                           fullscreen=cfg.fullscreen, shaders=cfg.shaders,
                           crossfade=cfg.crossfade, faults=self.faults, probe=self.probe,
                           preview=(cfg.preview_size, cfg.preview_monitor) if cfg.preview
                           else None)
        stack.callback(quietly("stage", self.stage.close))
        self.stage.set_quality(self.render_scale.scale, self.render_scale.bicubic)
        self.period = self.stage.target.period(cfg.fps)
        from vj.live.frame_out import start_feeds

        self.feeds = start_feeds(cfg.outputs, cfg.output_size or cfg.size, 1.0 / self.period,
                                 self.stage.target.ctx, self.faults, stack)  # before GL ends
        if self.web is not None and self.web.preview is not None:
            self.feeds.append(web_preview_feed(self, stack))
        self.decoder = DecodeWorker(self.faults, fallback=self.library.fallback)
        stack.callback(quietly("decoder", self.decoder.stop))
        if cfg.refine:
            from vj.live.refining import open_refine

            self.refine = open_refine(self)
        self.library.prepare([self.state.bank] + [n for n in self.library.names()
                                                  if n != self.state.bank])
        if self.refine is not None:
            self.refine.warm_up(self.library, self.state.bank)
        stack.callback(quietly("loader", self.library.start().stop))
        if cfg.auto:   # the taggers load before the loop, not under it
            start_auto(self, preload=True)
        self.decoder.start()
        for p in (self.osc, self.midi, self.link, self.dmx, self.web):
            if p is not None:
                p.start()
        self.view = EnergyView(self.audio.board)
        self.audio.start()

    def _loop(self) -> Summary:
        cfg, c, tel, stage, view = self.config, self.controls, self.log, self.stage, self.view
        period = self.period
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
            self.last_frame_at = now
            chaos.hog()
            # 1. commands: desk, keyboard, loader, automatic genre
            self._commands(now, now - t0)
            if c.state.changed_look != look:   # a new preset: fade from what is on screen
                look = c.state.changed_look
                if stage.renderer is not None:
                    stage.renderer.start_crossfade()
                    stage.fade_start = now
            # 2. energy
            e, onset, stale = view.read(now)
            if e > self._peak:
                self._peak = e
            self._audio_fault(stale, now - t0 > START_GRACE)
            # 3. motion; the decode worker decodes the next frame's position meanwhile
            k, frac = self.motion.step(now, now - t0, dt, e, onset, c, self.tempo.segment())
            src = self.library.source(c.state.bank) or self.library.placeholder(c.state.bank)
            strength = 0.0 if self.refine is None else self.refine.strength(self, onset)
            if src is not None:
                self.decoder.request(src, *self.motion.ahead(period), strength)
            # 4. draw the newest decoded frame, effects at the display rate
            slot = self.decoder.newest()
            if slot is not None:
                stage.show(slot, now)
            c.refresh()
            self._hud_at = (now, e)            # read by _hud_values when a HUD is due
            stage.draw(now, now - t0, dt, c.fx, onset=onset, energy=e, state=c.state,
                       hud_values=self._hud_values)
            if self.feeds:
                stage.feed(self.feeds)
            drawn, swap = stage.swap()
            if self.heartbeat is not None:
                self.heartbeat.beat(swap)
            # 5. measure, and shed load when the frames do not fit the display's period
            adc = view.adc
            # the energy's age from the grace on: a new stream first hands over what the
            # sound server had buffered (the pulse plugin: 450 ms old, for about a second)
            age = None if stale or now - t0 < START_GRACE else (now - adc) * 1000.0
            tel.frame(swap - t0, dt, period, None if stale else (swap - adc) * 1000.0,
                      (drawn - now) * 1000.0, age)
            if self.probe:
                tel.brightness.push(stage.last_brightness)
                tel.change.push(stage.last_change)
                tel.position.push(k + frac)
                tel.onset.push(onset)
                tel.strength.push(strength)
            if self.render_scale.update(swap, drawn - now, period):
                stage.set_quality(self.render_scale.scale, self.render_scale.bicubic)
                log.info("%s: the frames did not fit the display's %.1f ms",
                         self.render_scale.describe(), period * 1000.0)
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
        if self.dmx is not None:
            self.dmx.apply(c, now)
        if self.web_control is not None:
            self.web_control.apply(c, now)
        if self.link is not None:
            self.tempo.follow_link()
        if self.set is not None:
            self.set.tick(self, now)
        c.keys(self.stage.target, now)
        c.release(now, 0.5 * self.period)
        c.events(now)
        c.switch_when_ready(now)
        if c.state.auto and self.auto is None:   # started on the first /vj/auto 1
            start_auto(self)
        if self.auto is not None:
            c.auto_genre(self.auto.genre, now, t)

    def _audio_fault(self, stale: bool, started: bool) -> None:
        """Missing audio is a fault once the stream had its grace, or at once when the
        audio says why (the file ended, the input is lost)."""
        why = self.audio.fault() if stale else None
        if stale and (started or why):
            why = why or "no audio"
            self.faults.report("audio", why if why.startswith("no audio") else f"no audio ({why})")
        elif self.faults.active("audio"):
            self.faults.clear("audio", "audio is back")

    def _hud_values(self) -> dict:
        return hud_values(self, *self._hud_at)

    def _housekeeping(self, swap: float, e: float) -> None:
        try:
            self.stage.shaders.poll()
        except Exception as e_:
            self.faults.report("shaders", f"reload failed ({e_})")
        self.status = status_values(self, swap, self._peak)
        self._peak = 0.0
        if self.set is not None:
            self.set.housekeeping(self, swap)

    def _summary(self, seconds: float) -> Summary:
        s = summary(self, seconds)
        if self.config.summary_json:
            from vj.live.report import write_json

            write_json(s, self.config.summary_json)
        return s
