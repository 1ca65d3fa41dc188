"""Automatic genre (``--auto``, ``/vj/auto 1``): the musicnn taggers on the last 3 s of
analysed audio every few seconds, in the background, with hysteresis.  The audio
callback and the render loop never wait for it; if it fails it says so and the
preset stays as it is."""
from __future__ import annotations

import logging
import threading
import time

import numpy as np

from vj.live.faults import Faults
from vj.runtime import chaos

log = logging.getLogger("vj.live")


class AutoGenre(threading.Thread):
    def __init__(self, audio, faults: Faults, *, sr: int, interval: float = 3.0,
                 hold: float = 16.0, current: str | None = None) -> None:
        """``audio``: what gives ``recent_audio(seconds)`` at ``sr`` (vj.engine.host)."""
        super().__init__(name="vj-auto-genre", daemon=True)
        from vj.understand.auto import GenreHold

        self.audio, self.sr, self.faults, self.interval = audio, sr, faults, interval
        self.hold = GenreHold(hold=hold, current=current)  # the look on screen must hold too
        self.genre: str | None = current
        self.last: tuple | None = None   # (time, genre, confidence) of the last tagging
        self._halt = threading.Event()
        self.taggers = None

    def load(self) -> bool:
        """Load the taggers (imports and sessions hold the interpreter for a while: the
        show does this before its loop when it starts with --auto)."""
        if self.taggers is None:
            try:
                from vj.understand.musicnn import Tagger

                self.taggers = Tagger("MTT_musicnn"), Tagger("MSD_musicnn")
            except Exception as e:
                self.faults.report("autogenre", f"automatic genre unavailable ({e})")
                return False
        return True

    def run(self) -> None:
        if not self.load():
            return
        taggers = self.taggers
        t0 = time.perf_counter()
        while not self._halt.wait(self.interval):
            try:
                chaos.check("autogenre")
                self._tag(taggers, time.perf_counter() - t0)
                if self.faults.active("autogenre"):
                    self.faults.clear("autogenre", "automatic genre running again")
            except Exception as e:  # next interval tries again; the preset stays
                self.faults.report("autogenre", f"tagging failed ({str(e)[:120]})")

    def _tag(self, taggers, now: float) -> None:
        import soxr

        from vj.understand.genre import genre_of
        from vj.understand.musicnn import SR, log_mel, windows

        y = self.audio.recent_audio(3.0)
        if not np.any(np.abs(y) > 1e-4):
            return  # silence: keep the current look
        win = windows(log_mel(soxr.resample(y, self.sr, SR)))[:1]
        mtt, msd = taggers
        label = genre_of(mtt.tag_mel(win)[0], msd.tag_mel(win)[0])
        self.last = (now, label.name, label.confidence)
        self.genre = self.hold.update(now, label.name, label.confidence)

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=5.0)


def start_auto(show, preload: bool = False) -> None:
    """The show's automatic genre (``--auto`` before the loop, ``/vj/auto 1`` in it),
    stopped with the show."""
    from vj.live.faults import quietly

    cfg = show.config
    show.auto = AutoGenre(show.audio, show.faults, sr=cfg.params.sr, interval=cfg.auto_interval,
                          hold=cfg.auto_hold, current=show.controls.state.preset)
    if preload:
        show.auto.load()
    show._stack.callback(quietly("automatic genre", show.auto.stop))
    show.auto.start()
