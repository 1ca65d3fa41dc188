"""The live show (DESIGN.md section 3).

Threads:

* audio: the PortAudio callback (``LiveSource``) or, for rehearsal and tests,
  a :class:`FileFeeder` that writes a decoded file into the ring buffer at the
  pace of the wall clock; either only copies into the ring;
* analysis: :class:`Analysis` reads hops from the ring, runs the streaming
  energy engine and publishes the newest :class:`EnergyFrame` with the wall
  time its newest sample arrived;
* OSC: :class:`~vj.control.osc.OscServer` puts validated Commands on a queue;
* render loop (main thread, :meth:`Show.run`): applies the Commands, steps the
  online driver, decodes the newest position (never a queue of stale frames),
  uploads, runs the shaders and swaps.
"""
from __future__ import annotations

import logging
import math
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vj.audio.energy import ANALYSIS_SR, EnergyFrame, EnergyParams, SILENT_FRAME, StreamingEnergy
from vj.audio.ring import RingBuffer
from vj.bank import Bank, load_bank
from vj.control.state import Command, ShowState, apply, speed_multiplier
from vj.errors import VjError
from vj.motion.drivers import OnlineDriver
from vj.presets import slug
from vj.render.fx import FxSettings, Uniforms, compute, crossfade_level

log = logging.getLogger("vj.show")

#: Seconds of quiet after which a strong onset cuts to the next keyframe.
QUIET_BEFORE_CUT = 2.0

#: Live analysis settings: a hop of 256 samples (11.6 ms) for a short audio-to-photon path.
LIVE_PARAMS = EnergyParams(hop=256)


# -- audio side -------------------------------------------------------------------------------

class FileFeeder(threading.Thread):
    """Plays a file into the ring buffer in real time (what the PortAudio callback does
    with a live input), in blocks of ``block`` samples at the analysis rate."""

    def __init__(self, samples: np.ndarray, ring: RingBuffer, *, sr: int = ANALYSIS_SR,
                 block: int = 128, loop: bool = False) -> None:
        super().__init__(name="vj-file-audio", daemon=True)
        self.samples, self.ring, self.sr, self.block, self.loop = samples, ring, sr, block, loop
        self.start_wall: float | None = None
        self.written = 0
        self.finished = False
        self._stop = threading.Event()

    def run(self) -> None:
        self.start_wall = time.perf_counter()
        n = len(self.samples)
        pos = 0
        while not self._stop.is_set():
            due = self.start_wall + (self.written + self.block) / self.sr
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if pos >= n:
                if not self.loop:
                    self.finished = True
                    return
                pos = 0
            blk = self.samples[pos:pos + self.block]
            self.ring.write(blk)
            pos += len(blk)
            self.written += len(blk)

    def wall_of(self, sample: int) -> float:
        """Wall time at which stream sample ``sample`` was fed."""
        return (self.start_wall or 0.0) + sample / self.sr

    @property
    def active(self) -> bool:
        return not self.finished

    def stop(self) -> None:
        self._stop.set()


class LiveInput:
    """A LiveSource with reconnection: the analysis thread reads through it."""

    def __init__(self, device) -> None:
        from vj.audio.sources import LiveSource

        self.device = device
        self.src = LiveSource(device)
        self.src.start()
        self.sr = self.src.samplerate
        self.error: str | None = None
        self._next_try = 0.0

    @property
    def ring(self) -> RingBuffer:
        return self.src.ring

    def check(self, now: float) -> None:
        if self.src.active:
            self.error = None
            return
        self.error = f"audio input {self.src.device['name']!r} stopped"
        if now >= self._next_try:
            self._next_try = now + 2.0
            try:
                from vj.audio.sources import LiveSource

                self.src.stop()
                self.src = LiveSource(self.device)
                self.src.start()
                log.info("audio input reconnected")
            except Exception as e:
                log.warning("audio input: %s; retrying", e)

    def stop(self) -> None:
        self.src.stop()


@dataclass(frozen=True)
class Published:
    """What the analysis thread publishes after each hop (one atomic reference)."""

    frame: EnergyFrame
    arrival: float          # wall time the newest analysed sample arrived
    energy_integral: float  # sum of energy x hop duration since the start
    audio_time: float       # seconds of audio analysed since the start
    onset_hold: float       # onset with a short peak hold, so no frame misses a hit


#: Peak-hold time constant of the onset for the render loop (s): a hit lasts one hop
#: (11.6 ms) and could fall between two frames at 60 Hz without it.
ONSET_HOLD = 0.06


class Analysis(threading.Thread):
    """Ring buffer -> streaming energy; publishes a :class:`Published` per hop."""

    def __init__(self, ring: RingBuffer, in_rate: int, params: EnergyParams = LIVE_PARAMS,
                 *, live: LiveInput | None = None, feeder: FileFeeder | None = None) -> None:
        super().__init__(name="vj-analysis", daemon=True)
        self.ring, self.in_rate, self.params = ring, in_rate, params
        self.engine = StreamingEnergy(params)
        self.live, self.feeder = live, feeder
        self.latest = Published(SILENT_FRAME, 0.0, 0.0, 0.0, 0.0)
        self.error: str | None = None
        self.hops = 0
        #: the last seconds of analysed audio (for the genre tagger), a circular buffer
        self.history = np.zeros(params.hop * math.ceil(4 * params.sr / params.hop), np.float32)
        self.history_pos = 0
        self._stop = threading.Event()

    def run(self) -> None:
        try:
            self._run()
        except Exception as e:  # never silently: the render loop shows the fault
            self.error = f"analysis stopped: {e}"
            log.exception("analysis thread failed")

    def _run(self) -> None:
        p = self.params
        hop = p.hop
        chunk = hop if self.in_rate == p.sr else max(64, int(hop * self.in_rate / p.sr))
        raw = np.zeros((chunk, self.ring.channels), np.float32)
        mono = np.zeros(chunk, np.float32)
        acc = np.zeros(hop * 4, np.float32)
        filled = 0
        resampler = None
        if self.in_rate != p.sr:
            import soxr

            resampler = soxr.ResampleStream(self.in_rate, p.sr, 1, dtype="float32", quality="LQ")
        consumed = 0  # source samples read so far
        hop_s = hop / p.sr
        hold_decay = math.exp(-hop_s / ONSET_HOLD)
        integral = 0.0
        hold = 0.0
        while not self._stop.is_set():
            if self.live is not None:
                self.live.check(time.monotonic())
            if not self.ring.read(raw):
                time.sleep(0.001)
                continue
            consumed += chunk
            np.mean(raw, axis=1, out=mono)
            x = mono if resampler is None else resampler.resample_chunk(mono)
            m = len(x)
            acc[filled:filled + m] = x
            filled += m
            while filled >= hop:
                hp = self.history_pos
                self.history[hp:hp + hop] = acc[:hop]
                self.history_pos = (hp + hop) % len(self.history)
                frame = self.engine.process(acc[:hop])
                acc[: filled - hop] = acc[hop:filled]
                filled -= hop
                self.hops += 1
                arrival = (self.feeder.wall_of(consumed) if self.feeder is not None
                           else time.perf_counter())
                integral += frame.energy * hop_s
                hold = max(frame.onset, hold * hold_decay)
                # one reference assignment: atomic for the render loop
                self.latest = Published(frame, arrival, integral, self.hops * hop_s, hold)

    def stop(self) -> None:
        self._stop.set()


class AutoGenre(threading.Thread):
    """Tags the incoming audio every ``interval`` seconds in the background and keeps the
    genre that has held for ``hold`` seconds (:class:`~vj.understand.auto.GenreHold`).
    It only reads a copy of the analysis thread's audio history: the audio callback and
    the render loop never wait for it."""

    def __init__(self, analysis: Analysis, *, interval: float = 3.0, hold: float = 16.0,
                 current: str | None = None) -> None:
        super().__init__(name="vj-auto-genre", daemon=True)
        from vj.understand.auto import GenreHold

        self.analysis, self.interval = analysis, interval
        self.hold = GenreHold(hold=hold, current=current)  # the look on screen must hold too
        self.genre: str | None = current
        self.last: tuple | None = None   # (time, genre, confidence) of the last tagging
        self.error: str | None = None
        self._stop = threading.Event()

    def run(self) -> None:
        try:
            import soxr

            from vj.understand.genre import genre_of
            from vj.understand.musicnn import SR, Tagger, log_mel, windows

            mtt, msd = Tagger("MTT_musicnn"), Tagger("MSD_musicnn")
        except Exception as e:
            self.error = f"automatic genre unavailable: {e}"
            log.error(self.error)
            return
        t0 = time.perf_counter()
        while not self._stop.wait(self.interval):
            a = self.analysis
            h, pos = a.history, a.history_pos
            y = np.concatenate([h[pos:], h[:pos]])[-int(3.0 * a.params.sr):]
            if not np.any(np.abs(y) > 1e-4):
                continue  # silence: keep the current look
            y16 = soxr.resample(y, a.params.sr, SR)
            win = windows(log_mel(y16))[:1]
            label = genre_of(mtt.tag_mel(win)[0], msd.tag_mel(win)[0])
            now = time.perf_counter() - t0
            self.last = (now, label.name, label.confidence)
            self.genre = self.hold.update(now, label.name, label.confidence)

    def stop(self) -> None:
        self._stop.set()


# -- the show ---------------------------------------------------------------------------------

@dataclass
class ShowConfig:
    banks: list[str]
    audio_file: str | None = None
    input_device: str | None = None
    headless: bool = False
    size: tuple[int, int] = (1280, 720)      # output (window or headless target)
    monitor: str | None = None
    fullscreen: bool = False
    fps: float = 60.0                        # headless pacing (a window follows vsync)
    osc: bool = True
    osc_host: str = "0.0.0.0"
    osc_port: int = 7000
    desk: str | None = None
    feedback: tuple[str, int] | None = None
    decoder: str = "auto"
    device: str = "auto"
    preset: str | None = None
    presets_dirs: list[str] | None = None
    shaders: str | None = None
    duration: float | None = None
    hud: bool = False
    loop_audio: bool = False
    crossfade: float = 1.5
    auto: bool = False              # automatic genre from the music (/vj/auto)
    auto_hold: float = 16.0         # seconds a new genre must hold before the look changes
    auto_interval: float = 3.0      # seconds between two taggings
    params: EnergyParams = LIVE_PARAMS


@dataclass
class FrameLog:
    """Per-frame measurements kept for the summary (and for tests)."""

    wall: list = field(default_factory=list)        # swap time
    frame_ms: list = field(default_factory=list)
    decode_ms: list = field(default_factory=list)
    latency_ms: list = field(default_factory=list)
    brightness: list = field(default_factory=list)  # only with probe=True
    change: list = field(default_factory=list)      # probe: mean |frame - previous frame|
    drops: int = 0


@dataclass
class Summary:
    frames: int
    seconds: float
    drops: int
    fps: float
    frame_ms_median: float
    frame_ms_p99: float
    decode_ms_median: float
    latency_ms_median: float
    osc_packets: int
    osc_errors: int
    decoder: str
    faults: list

    def text(self) -> str:
        return (f"show summary: {self.frames} frames in {self.seconds:.1f} s ({self.fps:.1f} fps), "
                f"{self.drops} dropped; frame time median {self.frame_ms_median:.1f} ms, p99 "
                f"{self.frame_ms_p99:.1f} ms; decode ({self.decoder}) median "
                f"{self.decode_ms_median:.1f} ms; audio-to-photon latency median "
                f"{self.latency_ms_median:.1f} ms; OSC packets {self.osc_packets}, errors "
                f"{self.osc_errors}" + (f"; faults: {', '.join(self.faults)}" if self.faults else ""))


class Show:
    def __init__(self, config: ShowConfig, *, probe: bool = False) -> None:
        from vj.presets import load_presets

        self.config = config
        self.probe = probe
        self.log = FrameLog()
        self.faults: list[str] = []
        self.presets = load_presets(config.presets_dirs)
        self.banks: dict[str, Bank] = {}
        self.sources: dict[str, object] = {}
        for b in config.banks:
            try:
                bank = load_bank(b)
            except VjError as e:
                log.error("bank refused: %s", e)
                self.faults.append(f"bank {b} refused")
                continue
            self.banks[self._bank_name(bank, b)] = bank
        if not self.banks:
            raise VjError("no usable bank: " + "; ".join(self.faults or ["give --bank DIR"]))
        names = sorted(p.name for p in self.presets.values())
        first_bank = next(iter(self.banks))
        genre = self.banks[first_bank].manifest.get("genre")
        preset = config.preset or (genre if genre and self._canon(genre) else None) or "electronic"
        if self._canon(preset) is None:
            raise VjError(f"preset {preset!r} does not exist; valid: {', '.join(names)}")
        self.state = ShowState(presets=names, banks=list(self.banks), preset=self._canon(preset),
                               bank=first_bank, hud=config.hud, auto=config.auto)
        self.auto_switches: list = []   # (loop time, preset) of automatic changes
        self.scene_cuts: list = []      # loop times of cuts on a hit after a quiet passage
        self._pending_bank: dict = {}
        self._lock = threading.Lock()
        self.status: dict = {}

    # -- names ------------------------------------------------------------------------------
    @staticmethod
    def _bank_name(bank: Bank, path: str) -> str:
        return bank.manifest.get("name") or Path(path).name

    def _canon(self, name: str | None) -> str | None:
        if name is None:
            return None
        p = self.presets.get(slug(name))
        return p.name if p else None

    def names(self) -> dict:
        return {"preset": list(self.state.presets), "bank": list(self.state.banks)}

    # -- frame sources ------------------------------------------------------------------------
    def _source(self, name: str):
        from vj.decode import open_frames, thumbnails

        if name not in self.sources:
            bank = self.banks[name]
            try:
                self.sources[name] = open_frames(bank, self.config.decoder, self.config.device)
            except VjError as e:
                log.error("decoder for bank %s failed (%s); showing its keyframe pictures", name, e)
                self.faults.append(f"decoder fallback ({name})")
                self.sources[name] = thumbnails(bank)
        return self.sources[name]

    def _load_bank_async(self, path: str) -> None:
        """/vj/bank with a folder: load off the render thread, swap in when ready."""
        def work():
            try:
                bank = load_bank(path)
                with self._lock:
                    self._pending_bank[self._bank_name(bank, path)] = bank
            except VjError as e:
                log.error("bank refused: %s (the current bank stays)", e)
                self.faults.append(f"bank {path} refused")

        threading.Thread(target=work, name="vj-bank-loader", daemon=True).start()

    # -- commands ----------------------------------------------------------------------------
    def _apply(self, cmd: Command, now: float, driver: OnlineDriver) -> None:
        if cmd.action == "preset":
            cmd = Command("preset", self._canon(cmd.value), cmd.source)
        if cmd.action == "bank" and cmd.value not in self.state.banks:
            if Path(str(cmd.value)).is_dir():
                self._load_bank_async(str(cmd.value))
            return
        apply(self.state, cmd, now)
        if cmd.action == "cut":
            driver.cut()

    def _keys(self, target, now: float) -> list[Command]:
        out = []
        if not target.keys:
            return out
        import glfw

        while target.keys:
            key = target.keys.popleft()
            if key == glfw.KEY_SPACE:
                out.append(Command("cut", source="key"))
            elif key == glfw.KEY_H:
                out.append(Command("hud", source="key"))
            elif key == glfw.KEY_F:
                target.toggle_fullscreen()
            elif key == glfw.KEY_ESCAPE:
                if now - getattr(self, "_esc", -10.0) < 1.0:
                    self._quit = True
                self._esc = now
            elif glfw.KEY_1 <= key <= glfw.KEY_9:
                i = key - glfw.KEY_1
                if i < len(self.state.presets):
                    out.append(Command("preset", self.state.presets[i], source="key"))
        return out

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> Summary:
        from vj.audio.sources import FileSource
        from vj.render.renderer import Renderer
        from vj.render.shaders import ShaderLibrary
        from vj.render.targets import HeadlessTarget, WindowTarget

        cfg = self.config
        p = cfg.params
        feeder = live = None
        if cfg.audio_file:
            samples = FileSource(cfg.audio_file, sr=p.sr).samples
            ring = RingBuffer(p.sr * 2)
            feeder = FileFeeder(samples, ring, sr=p.sr, loop=cfg.loop_audio)
            analysis = Analysis(ring, p.sr, p, feeder=feeder)
        else:
            live = LiveInput(cfg.input_device)
            analysis = Analysis(live.ring, live.sr, p, live=live)

        target = (HeadlessTarget(cfg.size) if cfg.headless else
                  WindowTarget(cfg.size, monitor=cfg.monitor, fullscreen=cfg.fullscreen))
        osc = None
        try:
            shaders = ShaderLibrary(target.ctx, cfg.shaders)
            source = self._source(self.state.bank)
            renderers: dict = {}

            def renderer_for(src):
                key = src.size
                if key not in renderers:
                    out = cfg.size if cfg.headless else target.size
                    renderers[key] = Renderer(target.ctx, src.size, out, shaders=shaders)
                return renderers[key]

            if cfg.osc:
                from vj.control.osc import OscServer

                osc = OscServer(host=cfg.osc_host, port=cfg.osc_port, profile=cfg.desk,
                                feedback=cfg.feedback, status=lambda: self.status,
                                names=self.names).start()
                log.info("OSC on %s:%d (%s profile)", *osc.address, osc.profile.name)
            self.osc = osc
            return self._loop(target, shaders, renderer_for, source, analysis, feeder, live, osc)
        finally:
            analysis.stop()
            if feeder is not None:
                feeder.stop()
            if live is not None:
                live.stop()
            if osc is not None:
                osc.stop()
            target.close()

    def _loop(self, target, shaders, renderer_for, source, analysis, feeder, live, osc) -> Summary:
        from vj.render.hud import Hud

        cfg = self.config
        preset = self.presets[slug(self.state.preset)]
        motion = preset.motion
        driver = OnlineDriver(segment=motion.segment, speed=motion.speed)
        uniforms = Uniforms()
        fx = FxSettings.from_dict(preset.fx)
        fx_version = self.state.changed_fx
        hud = Hud()
        self._quit = False
        look_version = self.state.changed_look
        fade_start = -1e9
        period = 1.0 / cfg.fps
        analysis.start()
        auto = None
        if feeder is not None:
            feeder.start()
        t0 = time.perf_counter()
        self.t0, self.feeder = t0, feeder
        prev_probe = None
        last = t0
        next_due = t0
        next_poll = t0 + 0.5
        energy_seen = 0.0
        seen_time = seen_integral = 0.0
        quiet_since = None
        decoder_name = getattr(source, "name", "image")
        renderer = renderer_for(source)
        while not self._quit:
            now = time.perf_counter()
            dt = now - last
            last = now
            if cfg.duration is not None and now - t0 >= cfg.duration:
                break
            target.poll()
            if target.should_close():
                break
            # 1. commands from the desk and the keyboard
            cmds = (osc.drain() if osc is not None else []) + self._keys(target, now)
            for cmd in cmds:
                self._apply(cmd, now, driver)
            with self._lock:
                pending, self._pending_bank = self._pending_bank, {}
            for name, bank in pending.items():
                self.banks[name] = bank
                self.sources.pop(name, None)
                if name not in self.state.banks:
                    self.state.banks.append(name)
                apply(self.state, Command("bank", name), now)
            if self.state.auto and auto is None:  # started on the first /vj/auto 1
                auto = AutoGenre(analysis, interval=cfg.auto_interval, hold=cfg.auto_hold,
                                 current=self.state.preset)
                auto.start()
            if (self.state.auto and auto is not None and auto.genre
                    and self._canon(auto.genre) != self.state.preset):
                apply(self.state, Command("preset", self._canon(auto.genre), "auto"), now)
                self.auto_switches.append((now - t0, self.state.preset))
            if self.state.changed_look != look_version:  # preset or bank changed
                look_version = self.state.changed_look
                preset = self.presets[slug(self.state.preset)]
                motion = preset.motion
                driver.segment = motion.segment
                source = self._source(self.state.bank)
                decoder_name = getattr(source, "name", "image")
                new_renderer = renderer_for(source)
                if new_renderer is renderer:  # same size: crossfade from what is on screen
                    renderer.start_crossfade()
                    fade_start = now
                renderer = new_renderer
            # 2. energy (decays to stillness when the audio stops): the mean energy of
            #    the audio analysed since the last frame, so no hit falls between frames
            pub = analysis.latest
            frame, arrival = pub.frame, pub.arrival
            stale = now - arrival if arrival else math.inf
            if pub.audio_time > seen_time:
                e = (pub.energy_integral - seen_integral) / (pub.audio_time - seen_time)
                seen_time, seen_integral = pub.audio_time, pub.energy_integral
            else:
                e = frame.energy
            if stale > 0.25:
                energy_seen *= 0.9
                e = energy_seen
                fault = "no audio" if (feeder is None or not feeder.active) else None
                if live is not None and live.error:
                    fault = live.error
                if analysis.error:
                    fault = analysis.error
            else:
                energy_seen = e
                fault = None
            # 3. motion and decode (always the newest position: no queue of stale frames)
            # a strong hit after a quiet passage is a scene cut (DESIGN.md section 5)
            if e < driver.gate:
                quiet_since = now if quiet_since is None else quiet_since
            else:
                if (quiet_since is not None and now - quiet_since >= QUIET_BEFORE_CUT
                        and pub.onset_hold > 0.8):
                    driver.cut()
                    self.scene_cuts.append(now - t0)
                quiet_since = None
            driver.speed = motion.speed * speed_multiplier(self.state.speed)
            driver.intensity = self.state.intensity
            k, s = driver.step(dt, e)
            td = time.perf_counter()
            try:
                img = source.frame(k, s)
            except Exception as ex:  # the GPU decode failed: show the keyframe pictures
                from vj.decode import thumbnails

                log.error("decode failed (%s); falling back to the keyframe pictures", ex)
                self.faults.append("decode failed")
                source = thumbnails(self.banks[self.state.bank])
                self.sources[self.state.bank] = source
                decoder_name = "image (fallback)"
                renderer = renderer_for(source)
                img = source.frame(k, s)
            decode_ms = (time.perf_counter() - td) * 1000
            # 4. draw
            renderer.upload(img)
            if self.state.changed_fx != fx_version:  # rebuilt on change, not every frame
                fx_version = self.state.changed_fx
                fx = FxSettings.from_dict({**preset.fx, **self.state.fx})
            compute(uniforms, fx, time=now - t0, onset=pub.onset_hold if stale <= 0.25 else 0.0,
                    energy=e, intensity=self.state.intensity, master=self.state.master,
                    blackout=self.state.blackout,
                    crossfade=crossfade_level(now - fade_start, cfg.crossfade))
            if self.state.hud:
                if hud.due(now):
                    renderer.set_hud(hud.render({
                        "fps": self._fps(), "decode_ms": decode_ms, "decoder": decoder_name,
                        "latency_ms": self.log.latency_ms[-1] if self.log.latency_ms else 0.0,
                        "P": frame.percussive, "H": frame.harmonic, "E": e,
                        "preset": self.state.preset, "bank": self.state.bank,
                        "osc": (osc.stats.packets, osc.stats.bad) if osc else (0, 0),
                        "fault": fault, "shader": next(iter(shaders.errors.values()), None),
                        "target": target.name}))
            else:
                renderer.set_hud(None)
            fb = target.framebuffer(renderer)
            renderer.frame(uniforms, fb, flip=target.flip,
                           target_size=target.size if fb is not None else None)
            if self.probe:  # tests: read the picture back (costs a readback per frame)
                pic = renderer.read().astype(np.int16)
                self.log.brightness.append(float(pic.mean()))
                self.log.change.append(float(np.abs(pic - prev_probe).mean())
                                       if prev_probe is not None and prev_probe.shape == pic.shape
                                       else 0.0)
                prev_probe = pic
            target.swap()
            swap = time.perf_counter()
            # 5. measurements
            self.log.wall.append(swap - t0)
            self.log.frame_ms.append(dt * 1000)
            self.log.decode_ms.append(decode_ms)
            if arrival and stale <= 0.25:
                self.log.latency_ms.append((swap - arrival) * 1000)
            if len(self.log.wall) > 1 and dt > 1.5 * period:
                self.log.drops += 1
            if fault and (not self.faults or self.faults[-1] != fault):
                self.faults.append(fault)
            if swap >= next_poll:
                next_poll = swap + 0.5
                shaders.poll()
                self.status = {"fps": self._fps(), "preset": self.state.preset, "energy": e,
                               "latency_ms": (statistics.median(self.log.latency_ms[-60:])
                                              if self.log.latency_ms else 0.0),
                               "dropped": self.log.drops}
            # 6. pace (a window is paced by vsync in swap())
            if target.flip is False:
                next_due = max(next_due + period, swap - period)
                delay = next_due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
        if auto is not None:
            auto.stop()
        return self._summary(time.perf_counter() - t0, decoder_name, osc)

    def _fps(self) -> float:
        w = self.log.wall
        if len(w) < 2:
            return 0.0
        recent = w[-60:]
        return (len(recent) - 1) / max(recent[-1] - recent[0], 1e-9)

    def _summary(self, seconds: float, decoder: str, osc) -> Summary:
        lg = self.log
        ft = lg.frame_ms[1:] or [0.0]

        def med(x):
            return float(statistics.median(x)) if x else 0.0

        return Summary(len(lg.wall), seconds, lg.drops, len(lg.wall) / max(seconds, 1e-9),
                       med(ft), float(np.percentile(ft, 99)), med(lg.decode_ms),
                       med(lg.latency_ms), osc.stats.packets if osc else 0,
                       osc.stats.bad if osc else 0, decoder, list(dict.fromkeys(self.faults)))
