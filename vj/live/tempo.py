"""Tempo and beat sync: an Ableton Link session (optional extra `vj[link]`, aalink),
the beat grid of whichever source leads (Link, MIDI clock, tap tempo), and the
quantiser that holds cuts, preset and bank switches until the next beat or bar."""
from __future__ import annotations

import asyncio
import math
import threading
from collections import deque

from vj.control.state import Command
from vj.errors import VjError

#: Commands that wait for the next beat or bar with --quantize.
QUANTISED = ("cut", "preset", "preset_next", "preset_prev", "bank")
MAX_PENDING = 64


class LinkSession:
    """A Link peer on its own thread (aalink needs a running asyncio loop there).
    Reading tempo and beat from the render loop is safe: Link captures its session
    state for each call."""

    def __init__(self, faults, *, bpm: float = 120.0, quantum: int = 4) -> None:
        try:
            import aalink  # noqa: F401
        except ImportError:
            raise VjError("Ableton Link needs the optional extra: pip install 'vj[link]' "
                          "(aalink, GPL-3.0)") from None
        self.faults, self.bpm, self.quantum = faults, bpm, quantum
        self.link = None
        self.started = 0.0
        self._ready = threading.Event()
        self._halt = False
        self._thread = threading.Thread(target=self._run, name="vj-link", daemon=True)

    def start(self) -> "LinkSession":
        import time

        self.started = time.perf_counter()
        self._thread.start()
        if not self._ready.wait(5.0) or self.link is None:
            self.faults.report("link", "Ableton Link did not start; no tempo sync")
        return self

    def _run(self) -> None:
        async def main():
            from aalink import Link

            try:
                self.link = Link(self.bpm)
                self.link.quantum = self.quantum
                self.link.enabled = True
            except Exception as e:
                self.faults.report("link", f"Ableton Link failed ({e})")
            finally:
                self._ready.set()
            while not self._halt:
                await asyncio.sleep(0.05)
            if self.link is not None:
                self.link.enabled = False

        asyncio.run(main())

    def read(self) -> tuple[float, float, int] | None:
        """(beat, tempo, peers) now, or None."""
        lk = self.link
        if lk is None:
            return None
        try:
            return float(lk.beat), float(lk.tempo), int(lk.num_peers)
        except Exception as e:
            self.faults.report("link", f"Ableton Link read failed ({e})")
            return None

    def set_tempo(self, bpm: float) -> None:
        if self.link is not None and 20.0 <= bpm <= 999.0:
            self.link.tempo = float(bpm)

    def stop(self) -> None:
        self._halt = True
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)


def segment_seconds(bars: float | None, beats_per_bar: int, bpm: float | None) -> float | None:
    """Seconds per keyframe for one keyframe per ``bars`` bars; None without a tempo."""
    if not bars or not bpm or bpm <= 0:
        return None
    return bars * beats_per_bar * 60.0 / bpm


def next_boundary(beat: float, tempo: float, unit: float, now: float) -> tuple[float, float]:
    """(time, beat) of the next multiple of ``unit`` beats after ``beat`` (at ``now``)."""
    target = math.floor(beat / unit + 1e-6) * unit + unit
    return now + (target - beat) * 60.0 / tempo, target


class Quantiser:
    """Holds commands until the next beat or bar of the leading tempo source.

    ``grid(now)`` gives (beat, tempo) or None (no tempo: commands pass at once).  A held
    command is released on the frame nearest its boundary (up to half a frame early),
    and how far from the boundary it landed is kept (bounded) for the summary."""

    def __init__(self, mode: str, beats_per_bar: int, grid) -> None:
        if mode not in ("off", "beat", "bar"):
            raise VjError(f"--quantize {mode}: must be beat, bar or off")
        self.mode, self.unit = mode, (1.0 if mode == "beat" else float(beats_per_bar))
        self.grid = grid
        self.pending: list = []             # (due time, target beat, command)
        self.offsets_ms: deque = deque(maxlen=256)
        self.count = 0

    def hold(self, cmd: Command, now: float) -> bool:
        """True when ``cmd`` is held for later."""
        if self.mode == "off" or cmd.action not in QUANTISED or len(self.pending) >= MAX_PENDING:
            return False
        g = self.grid(now)
        if g is None:
            return False
        due, target = next_boundary(g[0], g[1], self.unit, now)
        self.pending.append((due, target, cmd))
        return True

    def release(self, now: float, half_frame: float) -> list[Command]:
        if not self.pending:
            return []
        out, keep = [], []
        for due, target, cmd in self.pending:
            if due - now <= half_frame:
                g = self.grid(now)
                if g is not None:
                    self.offsets_ms.append((g[0] - target) * 60.0 / g[1] * 1000.0)
                self.count += 1
                out.append(cmd)
            else:
                keep.append((due, target, cmd))
        self.pending = keep
        return out

    def report(self) -> str:
        if not self.count:
            return ""
        worst = max((abs(x) for x in self.offsets_ms), default=0.0)
        return f"{self.count} quantised to the {self.mode}, landing within {worst:.1f} ms"


class TempoSources:
    """Which source leads the tempo, and its beat grid: Link, else MIDI clock, else
    tap tempo (the last tap is beat 1).  ``state``: the show's state; ``link`` and
    ``midi`` are set when those parts start.  No state of its own."""

    def __init__(self, state, *, bars_per_keyframe: float | None = None,
                 beats_per_bar: int = 4) -> None:
        self.state = state
        self.bars_per_keyframe, self.beats_per_bar = bars_per_keyframe, beats_per_bar
        self.link = None          # vj.live.tempo.LinkSession
        self.midi = None          # vj.midi.live.MidiControl (its input's clock)
        self.adopted_after: float | None = None   # s from Link's start to a peer's tempo

    def follow_link(self) -> None:
        """Link leads the tempo; a tap or /vj/bpm here is sent to the session."""
        import time

        st, link = self.state, self.link
        if st.tempo_source in ("tap", "osc", "key") and st.bpm:
            link.set_tempo(st.bpm)
        r = link.read()
        if r is not None:
            st.bpm = round(r[1], 2)
            st.tempo_source = f"link, {r[2]} peer{'' if r[2] == 1 else 's'}"
            if self.adopted_after is None and r[2] and abs(r[1] - link.bpm) > 0.01:
                self.adopted_after = time.perf_counter() - link.started

    def segment(self) -> float | None:
        """Seconds per keyframe with --bars-per-keyframe N and a tempo, else None."""
        return segment_seconds(self.bars_per_keyframe, self.beats_per_bar, self.state.bpm)

    def report(self) -> str:
        st = self.state
        out = f"tempo {st.bpm:.1f} bpm ({st.tempo_source})" if st.bpm else ""
        if self.adopted_after is not None:
            out += f", the session's tempo adopted {self.adopted_after:.2f} s after joining"
        return out

    def grid(self, now: float):
        """(beat, tempo) of the leading source at ``now``, or None without one."""
        r = self.link.read() if self.link is not None else None
        if r is not None:
            return r[0], r[1]
        clock = self.midi.input.clock if self.midi is not None else None
        if clock is not None and clock.running and clock.bpm():
            return clock.beat(now), clock.bpm()
        st = self.state
        if st.bpm and st.taps:
            return (now - st.taps[-1]) * st.bpm / 60.0, st.bpm
        return None
