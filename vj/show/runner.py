"""The set list played in the show: GO, BACK and jumps from every control surface
become requests that the render loop's next frame applies (:meth:`SetRunner.tick`),
so no control thread touches the running state.  Entering a step sets its look: the
bank and preset switch with a crossfade of the step's fade time, the keyframe
position jumps (faded from what is on screen), and the levels and effects glide to
the step's values over the same time (:class:`LevelFade`).  A level that another
source moves during the fade is left to it.

The runner also keeps the autosave (:mod:`.autosave`) and restores a saved state
(``--resume``).  It sees the show only through the attributes it names (controls,
motion, library, faults), so it is tested without GL.
"""
from __future__ import annotations

import logging
from pathlib import Path

from vj.control.state import Command
from vj.show.autosave import Autosave, Writer
from vj.show.fade import LEVELS, LevelFade
from vj.show.file import Cue
from vj.show.setlist import Cursor, Look, SetList

log = logging.getLogger("vj.show")

#: What the set list answers (vj.control.state.Command actions)
SET_ACTIONS = frozenset(("go", "back", "song", "cue", "cue_store"))
MAX_REQUESTS = 64


class SetRunner:
    def __init__(self, setlist: SetList, *, show_file: Path, faults, state_file: Path,
                 resume: dict | None = None, advance=None, chase=None,
                 timecode=None) -> None:
        self.set, self.show_file, self.faults = setlist, Path(show_file), faults
        self.cursor = Cursor(setlist)
        self.fade = LevelFade()
        self.requests: list[Command] = []
        self.writer = Writer(faults)
        self.autosave = Autosave(state_file, self.writer)
        self.resume = resume
        self.advance = advance              # vj.show.advance.SilenceAdvance, or None
        self.chase = chase                  # vj.show.timecode.Chase, or None
        self.timecode = timecode            # callable: the decoder's newest reading
        self.tc_kind = "MTC"
        self.gos = self.backs = self.jumps = self.stored = 0
        self.text: str | None = None      # the show file as last written (cue store)

    # -- requests, from any thread through the controls ------------------------------------------
    def request(self, cmd: Command) -> None:
        if len(self.requests) < MAX_REQUESTS:
            self.requests.append(cmd)

    def first(self) -> tuple[int, int] | None:
        """Where the show starts: the saved step (--resume) or song 1."""
        if self.resume is not None:
            i = self.set.index(int(self.resume.get("song", 0)), int(self.resume.get("cue", 0)))
            if i is None:      # the set list changed since: the song's start, else the top
                i = self.set.index(int(self.resume.get("song", 0)), 0) or 0
            self.cursor.index = i
            return self.cursor.step
        return self.cursor.go()

    # -- once per frame -------------------------------------------------------------------------
    def tick(self, show, now: float) -> None:
        if self.cursor.index < 0:            # the first frame: song 1, or where it was
            step = self.first()
            if self.resume is not None:
                self._restore(show, now)
            elif step is not None:
                self._enter(show, step, now, fade=0.0)
        if self.chase is not None:
            i, jump = self.chase.update(self.timecode() if self.timecode else None, now)
            if i is not None and i != self.cursor.index:
                forward = i == self.cursor.index + 1 and not jump
                self.cursor.index = i
                log.info("timecode %s: %s", self.chase.text(), self.set.label(*self.cursor.step))
                self._enter(show, self.cursor.step, now, tracked=not forward)
        if self.advance is not None and show.view is not None:
            from vj.engine import board as B

            v = show.view
            stale = not v.adc or now - v.adc > 0.5
            if self.advance.update(now, float(v.rec[B.LEVEL]), stale):
                song = (self.cursor.step or (0, 0))[0]
                if song + 1 < len(self.set.songs):
                    log.info("set list: the music stopped and came back: the next song")
                    self.request(Command("song", song + 2, "silence"))
        if self.requests:                   # no new list on a frame without requests
            reqs, self.requests = self.requests, []
            for cmd in reqs:
                self._handle(show, cmd, now)
        if self.fade.active:
            self.fade.apply(show.controls, now)

    def _handle(self, show, cmd: Command, now: float) -> None:
        c, a = self.cursor, cmd.action
        if a == "cue_store":
            self._store(show)
            return
        step = (c.go() if a == "go" else c.back() if a == "back"
                else c.song(int(cmd.value)) if a == "song" else c.cue(int(cmd.value)))
        if step is None:
            log.info("set list: %s %s: nothing there (%s)", a, cmd.value or "",
                     self.set.label(*c.step) if c.step else "before the first song")
            return
        self.gos += a == "go"
        self.backs += a == "back"
        self.jumps += a in ("song", "cue")
        if self.advance is not None and step[1] == 0 and cmd.source != "silence":
            self.advance.reset()            # a song started by hand: its music counts anew
        self._enter(show, step, now, tracked=a != "go" or step[1] == 0)

    def _enter(self, show, step: tuple[int, int], now: float, fade: float | None = None,
               tracked: bool = True) -> None:
        look: Look = self.set.look(*step, tracked=tracked)
        c = show.controls
        secs = look.fade if fade is None else fade
        c.apply(Command("crossfade", look.fade, "cue"), now)
        if look.bank is not None:
            name = show.library.paths.get(Path(look.bank).resolve())
            if name is not None:
                c.apply(Command("bank", name, "cue"), now)
        if look.preset is not None and c.canon(look.preset):
            c.apply(Command("preset", c.canon(look.preset), "cue"), now)
        if look.position is not None:
            show.motion.driver.position = float(look.position)
            c.state.changed_look += 1          # a jump: faded from what is on screen
        targets = {**look.levels, **{f"fx/{k}": v for k, v in look.fx.items()},
                   **{f"refine/{k}": v for k, v in look.refine.items()}}
        default = c.state.crossfade if c.state.crossfade is not None else 1.5
        self.fade.start(c, targets, now, default if secs is None else secs)
        self.fade.apply(c, now)
        log.info("set list: %s", self.set.label(*step))

    # -- the saved state ----------------------------------------------------------------------------
    def snapshot(self, show) -> dict:
        st, step = show.controls.state, self.cursor.step or (0, 0)
        bank = next((str(p) for p, n in show.library.paths.items() if n == st.bank), None)
        return {"show": str(self.show_file), "song": step[0], "cue": step[1],
                "preset": st.preset, "bank": bank, "bank_name": st.bank,
                "levels": {k: float(getattr(st, k)) for k in LEVELS},
                "fx": dict(st.fx), "refine": dict(st.refine),      # exactly as they were
                "fit": st.fit, "hud": st.hud, "blackout": st.blackout,
                "crossfade": st.crossfade,
                "position": round(float(show.motion.driver.position), 2)}

    def housekeeping(self, show, now: float) -> None:
        """A few times a second: save the state when it changed (at most once a second)."""
        self.autosave.update(self.snapshot(show), now)

    def _restore(self, show, now: float) -> None:
        d, self.resume = self.resume, None
        c = show.controls
        if d.get("bank"):
            name = show.library.paths.get(Path(d["bank"]).resolve())
            if name is not None:
                c.apply(Command("bank", name, "resume"), now)
        if d.get("preset") and c.canon(d["preset"]):
            c.apply(Command("preset", c.canon(d["preset"]), "resume"), now)
        for k in LEVELS:
            v = (d.get("levels") or {}).get(k)
            if isinstance(v, (int, float)) and 0.0 <= v <= 1.0:
                c.apply(Command(k, float(v), "resume"), now)
        for kind in ("fx", "refine"):
            for k, v in (d.get(kind) or {}).items():
                if isinstance(v, (int, float)):
                    c.apply(Command(kind, (k, float(v)), "resume"), now)
        for k in ("fit", "hud", "blackout", "crossfade"):
            if k in d:
                c.apply(Command(k, d[k], "resume"), now)
        if isinstance(d.get("position"), (int, float)):
            show.motion.driver.position = float(d["position"])
        log.info("resumed at %s (saved state of %s)", self.set.label(*self.cursor.step)
                 if self.cursor.step else "the top", self.show_file.name)

    # -- recording a cue ------------------------------------------------------------------------------
    def _store(self, show) -> None:
        from vj.show.store import with_cue

        st = show.controls.state
        song, cue = self.cursor.step or (0, 0)
        bank = next((str(p) for p, n in show.library.paths.items() if n == st.bank), None)
        try:
            bank = str(Path(bank).relative_to(self.show_file.resolve().parent)) if bank else None
        except ValueError:
            pass
        look = {"name": f"stored {len(self.set.songs[song].cue) + 1}", "bank": bank,
                "preset": st.preset, "position": round(float(show.motion.driver.position), 2),
                "fade": st.crossfade,
                "levels": {k: getattr(st, k) for k in LEVELS}, "fx": dict(st.fx),
                "refine": dict(st.refine)}
        try:
            text = self.text if self.text is not None else self.show_file.read_text()
            self.text = with_cue(text, song, cue, look)
        except Exception as e:        # the show goes on; the operator sees why
            self.faults.report("set list", f"cue not stored ({str(e)[:120]})")
            return
        n = self.set.with_cue(song, cue, Cue.model_validate(
            {k: v for k, v in look.items() if v not in (None, {})}))
        self.cursor.index = self.set.index(song, n)
        if self.chase is not None:          # the steps after it moved by one
            self.chase.set_marks(timecode_marks(self.set))
        self.writer.put(self.show_file, self.text.encode())
        self.stored += 1
        log.info("set list: stored %s into %s", self.set.label(song, n), self.show_file.name)

    # -- what the operator sees ---------------------------------------------------------------------
    def status(self) -> dict:
        step = self.cursor.step
        return {"now": self.set.label(*step) if step else "before the first song",
                "next": self.cursor.next_label(), "song": step[0] + 1 if step else 0,
                "cue": step[1] if step else 0, "songs": len(self.set.songs),
                "songs_list": [s.name for s in self.set.songs],
                "tc": f"{self.chase.text()} {self.tc_kind}" if self.chase else None}

    def line(self) -> str:
        """The set list in one line (HUD, /vj/status): where the show is, what GO does next."""
        s = self.status()
        return f"{s['now']}   next: {s['next']}" + (f"   TC {s['tc']}" if s.get("tc") else "")

    def report(self) -> dict:
        return {**{k: v for k, v in self.status().items() if k != "songs_list"},
                "go": self.gos, "back": self.backs, "jumps": self.jumps, "stored": self.stored,
                "advanced_on_silence": self.advance.advances if self.advance else None,
                "timecode": {"source": self.tc_kind.lower(), "state": self.chase.state,
                             "at": self.chase.text(),
                             "jumps": self.chase.jumps} if self.chase else None,
                "saves": self.writer.writes}

    def close(self, show=None) -> None:
        if show is not None:
            self.autosave.at = -1e9
            self.autosave.update(self.snapshot(show), 0.0)
        self.writer.close()


def open_set(config, faults) -> SetRunner | None:
    """The show's set runner from its settings (vj.live.config.ShowConfig), or None
    without a show file."""
    if config.setlist is None:
        return None
    from vj.show.autosave import state_path

    advance = None
    if config.advance == "on-silence":
        from vj.show.advance import SilenceAdvance

        advance = SilenceAdvance(config.silence_after)
    chase = None
    if config.timecode in ("mtc", "ltc"):
        from vj.show.timecode import Chase

        chase = Chase(timecode_marks(config.setlist), freewheel=config.timecode_freewheel)
    runner = SetRunner(config.setlist, show_file=Path(config.show_file), faults=faults,
                       state_file=state_path(config.show_file), resume=config.resume,
                       advance=advance, chase=chase)
    runner.tc_kind = config.timecode.upper()
    return runner


def timecode_marks(setlist: SetList) -> list[tuple[str, int]]:
    """(timecode, step index) of every song start and cue that has a timecode."""
    return [(look.timecode, i) for i, (s, c) in enumerate(setlist.steps)
            for look in [setlist.songs[s] if c == 0 else setlist.songs[s].cue[c - 1]]
            if look.timecode]


def timecode_source(show):
    """What the chase reads each frame: the MIDI input's MTC decoder, or the LTC frames
    the audio process puts on its board."""
    if show.config.timecode == "ltc":
        return lambda: show.audio.board.ltc_reading() if show.audio is not None else None
    return lambda: show.midi.input.mtc.latest() if show.midi is not None else None
