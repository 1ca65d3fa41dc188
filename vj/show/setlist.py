"""The set list as steps, and where the show is in it.  Pure: no show, no threads.

A step is a song's start (cue 0) or one of its cues (1..n, as written in the file).
GO goes to the next step, BACK to the one before; ``/vj/song N`` jumps to song N's
start, ``/vj/cue N`` to cue N of the song that runs.  Cues *track*, as on a lighting
desk: GO to cue j sets only what cue j names, the rest stays as it is on stage (what
the operator changed included); a jump or BACK to cue j sets the song's start and
what cues 1..j name over it, so it gives the look that walking there would.

A cue is data; the runner (:mod:`vj.show.runner`) plays it (QLC+'s chaser steps and
runner, ``engine/src/chaserstep.h``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vj.show.file import Cue, ShowModel, Song, resolve


@dataclass(frozen=True)
class Look:
    """What entering a step sets (None or absent: left as it is)."""
    bank: str | None = None            # a bank folder (resolved against the show file)
    preset: str | None = None
    levels: dict = field(default_factory=dict)    # master, intensity, speed
    fx: dict = field(default_factory=dict)        # flash, trail, hue, strobe
    refine: dict = field(default_factory=dict)    # strength, gain
    position: float | None = None      # keyframe position
    fade: float | None = None          # s (None: the show's crossfade)


def _set(model) -> dict:
    return {k: v for k, v in model.model_dump().items() if v is not None}


class SetList:
    def __init__(self, show: ShowModel, base: Path) -> None:
        self.model, self.base = show, Path(base)
        self.songs: list[Song] = list(show.song)
        self._index()

    def _index(self) -> None:
        self.steps: list[tuple[int, int]] = [(i, j) for i, s in enumerate(self.songs)
                                             for j in range(len(s.cue) + 1)]

    def banks(self) -> list[str]:
        """Every bank folder the set names, each once, in order."""
        out: list[str] = []
        for s in self.songs:
            for b in s.banks + [c.bank for c in s.cue if c.bank]:
                r = resolve(self.base, b)
                if r not in out:
                    out.append(r)
        return out

    def index(self, song: int, cue: int) -> int | None:
        try:
            return self.steps.index((song, cue))
        except ValueError:
            return None

    def look(self, song: int, cue: int, *, tracked: bool = True) -> Look:
        """The look of a step: with ``tracked``, the song's start and every cue up to
        this one (a jump, BACK, resume); without, only what this step names itself
        (GO from the step before: the rest is already on stage)."""
        s = self.songs[song]
        bank = resolve(self.base, s.banks[0])
        preset, levels, fx, refine = s.preset, _set(s.levels), _set(s.fx), _set(s.refine)
        position, fade = (s.position if s.position is not None else 0.0), s.fade
        if cue and not tracked:
            c = s.cue[cue - 1]
            return Look(resolve(self.base, c.bank) if c.bank else None, c.preset,
                        _set(c.levels), _set(c.fx), _set(c.refine), c.position, c.fade)
        for c in s.cue[:cue]:
            bank = resolve(self.base, c.bank) if c.bank else bank
            preset = c.preset or preset
            levels, fx, refine = ({**levels, **_set(c.levels)}, {**fx, **_set(c.fx)},
                                  {**refine, **_set(c.refine)})
        if cue:
            c = s.cue[cue - 1]
            position, fade = c.position, c.fade
        return Look(bank, preset, levels, fx, refine, position, fade)

    def label(self, song: int, cue: int) -> str:
        s = self.songs[song]
        out = f"song {song + 1}/{len(self.songs)} {s.name}"
        if cue:
            out += f", cue {cue}/{len(s.cue)}" + (f" {s.cue[cue - 1].name}"
                                                  if s.cue[cue - 1].name else "")
        return out

    def with_cue(self, song: int, after: int, cue: Cue) -> int:
        """Insert ``cue`` after cue ``after`` of ``song`` (0: first); returns its number."""
        s = self.songs[song]
        cues = list(s.cue)
        cues.insert(after, cue)
        self.songs[song] = s.model_copy(update={"cue": cues})
        self._index()
        return after + 1


class Cursor:
    """Where the show is in the set list: a step index (-1 before the first GO)."""

    def __init__(self, setlist: SetList) -> None:
        self.set = setlist
        self.index = -1

    @property
    def step(self) -> tuple[int, int] | None:
        return self.set.steps[self.index] if 0 <= self.index < len(self.set.steps) else None

    def go(self) -> tuple[int, int] | None:
        if self.index + 1 >= len(self.set.steps):
            return None
        self.index += 1
        return self.step

    def back(self) -> tuple[int, int] | None:
        if self.index <= 0:
            return None
        self.index -= 1
        return self.step

    def song(self, n: int) -> tuple[int, int] | None:
        """Song ``n`` (from 1)'s start."""
        i = self.set.index(n - 1, 0) if n >= 1 else None
        if i is None:
            return None
        self.index = i
        return self.step

    def cue(self, n: int) -> tuple[int, int] | None:
        """Cue ``n`` (from 1; 0: the start) of the song that runs (the first before GO)."""
        song = self.step[0] if self.step else 0
        i = self.set.index(song, n) if n >= 0 else None
        if i is None:
            return None
        self.index = i
        return self.step

    def next_label(self) -> str:
        i = self.index + 1
        return self.set.label(*self.set.steps[i]) if i < len(self.set.steps) else "end of the set"
