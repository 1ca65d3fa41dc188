"""The show's MIDI: an input port, its mapping with soft takeover, and MIDI clock as a
tempo source.  Applied by the render loop between frames (:meth:`apply`)."""
from __future__ import annotations

from vj.midi.mapping import MidiMap, Translator
from vj.midi.port import MidiInput


class MidiControl:
    def __init__(self, wanted: str, faults, *, mapping: str | None = None, api: str = "auto",
                 soft: bool = True) -> None:
        self.map = MidiMap.load(mapping)            # a bad map fails before the show starts
        self.input = MidiInput(wanted, faults, api=api)
        self.translate = Translator(self.map, soft=soft)
        self.applied = 0

    def start(self) -> "MidiControl":
        self.input.start()
        return self

    def stop(self) -> None:
        self.input.stop()

    def apply(self, controls, now: float) -> None:
        """Every message since the last frame, in order, then the clock's tempo."""
        state = controls.state
        for msg in self.input.drain():
            cmd = self.translate(msg, state, controls.preset.fx, controls.preset.refine)
            if cmd is not None:
                controls.apply(cmd, now)
                self.applied += 1
        bpm = self.input.clock.bpm()
        if bpm is not None:
            state.bpm, state.tempo_source = round(bpm, 1), "midi clock"

    def status(self) -> str:
        return f"{self.input.status()} ({self.map.name} map, {self.applied} applied)"
