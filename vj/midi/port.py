"""A MIDI input of the live show: opened by (part of) its name, through mido and
python-rtmidi (ALSA or JACK on Linux).  rtmidi's own thread calls back; the callback
only stores the message in a bounded buffer (levels keep their newest value) and
measures MIDI clock.  A port that goes away is a fault; the watchdog looks for it by
name again every second, through one client of its own (:class:`PortLister`).  The
render loop drains the buffer between frames."""
from __future__ import annotations

import contextlib
import threading
import time
from collections import deque

from vj.control.buffer import LatestBuffer
from vj.errors import VjError
from vj.midi.mtc import MtcDecoder

#: MIDI clock: 24 pulses per quarter note.
PPQN = 24
#: Discrete messages (notes, buttons) kept per frame at most; levels keep one each.
MAX_DISCRETE = 256
RETRY = 1.0


def backend(api: str = "auto"):
    """mido's rtmidi backend on ``api`` ("auto": rtmidi's default, "alsa", "jack")."""
    try:
        import mido
    except ImportError:
        raise VjError("MIDI needs the optional extra: pip install 'vj[midi]' (mido and "
                      "python-rtmidi)") from None
    name = {"auto": "mido.backends.rtmidi", "alsa": "mido.backends.rtmidi/LINUX_ALSA",
            "jack": "mido.backends.rtmidi/UNIX_JACK"}.get(api)
    if name is None:
        raise VjError(f"--midi-api {api}: must be auto, alsa or jack")
    try:
        return mido.Backend(name, load=True)
    except ImportError:
        raise VjError("MIDI needs python-rtmidi: pip install 'vj[midi]'") from None


def find_port(names: list[str], wanted: str) -> str | None:
    """The first port whose name contains ``wanted`` (case-insensitive); exact first."""
    if wanted in names:
        return wanted
    w = wanted.lower()
    return next((n for n in names if w in n.lower()), None)


class PortLister:
    """The input ports' names through one rtmidi client kept open.  mido opens a new
    client per listing: on JACK that took 100-500 ms a call and held the interpreter
    for up to 40 ms of it, once a second, beside the render loop and the JACK thread
    that delivers MIDI.  A listing that fails drops the client; the next makes one."""

    APIS = {"auto": "API_UNSPECIFIED", "alsa": "API_LINUX_ALSA", "jack": "API_UNIX_JACK"}

    def __init__(self, api: str = "auto") -> None:
        self.api, self._rt = api, None

    def names(self) -> list[str]:
        import rtmidi

        try:
            if self._rt is None:
                self._rt = rtmidi.MidiIn(getattr(rtmidi, self.APIS[self.api]), "vj-watch")
            return self._rt.get_ports()
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        rt, self._rt = self._rt, None
        if rt is not None:
            with contextlib.suppress(Exception):
                rt.delete()


class ClockMeter:
    """Tempo from MIDI clock (24 ppqn): the mean pulse gap over the last two beats."""

    def __init__(self) -> None:
        self._ticks: deque = deque(maxlen=2 * PPQN + 1)
        self.running = False
        self.pulses = 0            # since the last start message (beat = pulses / 24)

    def start(self) -> None:
        self.running, self.pulses = True, 0

    def tick(self, t: float) -> None:
        if self._ticks and t - self._ticks[-1] > 1.0:   # a pause: start measuring again
            self._ticks.clear()
        self._ticks.append(t)
        self.pulses += 1

    def beat(self, now: float) -> float:
        """Beats since the start message, at ``now`` (between pulses by the tempo)."""
        bpm = self.bpm() or 120.0
        last = self._ticks[-1] if self._ticks else now
        return max(self.pulses - 1, 0) / PPQN + (now - last) * bpm / 60.0

    def bpm(self) -> float | None:
        if len(self._ticks) < PPQN // 2 + 1:
            return None
        span = self._ticks[-1] - self._ticks[0]
        return 60.0 / (span / (len(self._ticks) - 1) * PPQN) if span > 0 else None


class MidiInput:
    """``start()``, ``drain()`` between frames, ``stop()``; never raises after start."""

    def __init__(self, wanted: str, faults, *, api: str = "auto") -> None:
        self.wanted, self.faults, self.api = wanted, faults, api
        self.backend = backend(api)
        self.lister = PortLister(api)
        self.buffer = LatestBuffer(MAX_DISCRETE)
        self.port = None
        self.port_name: str | None = None
        self.messages = 0
        self.clock = ClockMeter()
        self.mtc = MtcDecoder()            # MIDI Time Code (vj.show.timecode chases it)
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="vj-midi", daemon=True)

    # -- rtmidi's thread --------------------------------------------------------------------------
    def _callback(self, msg) -> None:
        t = msg.type
        if t == "clock":
            self.clock.tick(time.perf_counter())
            return
        if t == "start":
            self.clock.start()
            return
        if t in ("continue", "stop"):
            self.clock.running = t != "stop"
            return
        if t == "quarter_frame":
            self.mtc.quarter(msg.frame_type, msg.frame_value, time.perf_counter())
            return
        if t == "sysex":
            self.mtc.sysex(msg.data, time.perf_counter())
            return
        self.messages += 1
        level = None      # a fader or knob: its newest value; a button: press and release
        if t == "pitchwheel" or (t == "control_change" and msg.value not in (0, 127)):
            level = (t, msg.channel, getattr(msg, "control", None))
        self.buffer.put(msg, level)

    # -- the loop's side ---------------------------------------------------------------------------
    def drain(self) -> list:
        return self.buffer.drain()

    @property
    def dropped(self) -> int:
        return self.buffer.dropped

    def status(self) -> str:
        if self.port is None:
            return f"MIDI {self.wanted!r} not connected"
        bpm = self.clock.bpm()
        return f"MIDI {self.port_name}: {self.messages} messages" + (
            f", clock {bpm:.1f} bpm" if bpm else "")

    # -- watchdog -----------------------------------------------------------------------------------
    def start(self) -> "MidiInput":
        self._open()
        self._thread.start()
        return self

    def _open(self) -> None:
        try:
            names = self.lister.names()
            name = find_port(names, self.wanted)
            if name is None:
                raise OSError(f"no MIDI input matches {self.wanted!r} (inputs: "
                              f"{', '.join(names) or 'none'})")
            self.port = self.backend.open_input(name, callback=self._callback)
            self.port_name = name
            self.faults.clear("midi", f"MIDI input {name!r} connected")
        except Exception as e:
            self.port = None
            self.faults.report("midi", f"{str(e).splitlines()[0][:160]}; retrying")

    def _gone(self) -> bool:
        try:
            gone = self.port_name not in self.lister.names()
        except Exception:
            return True
        if gone:         # a restarted server: ask it again with a client of its own
            self.lister.close()
        return gone

    def _watch(self) -> None:
        while not self._halt.wait(RETRY):
            if self.port is None:
                self._open()
            elif self._gone():
                self.faults.report("midi", f"MIDI input {self.port_name!r} went away; "
                                   "looking for it again")
                self._close()

    def _close(self) -> None:
        p, self.port = self.port, None
        if p is not None:
            with contextlib.suppress(Exception):
                p.close()

    def stop(self) -> None:
        self._halt.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        self._close()
        self.lister.close()
