"""Commands between frames: the desk (OSC), the keyboard, the loader and the automatic
genre all end as :class:`~vj.control.state.Command` objects applied here, and the
look that follows from the state (preset, motion, effects) is derived here."""
from __future__ import annotations

import logging

from vj.control.state import SET_ACTIONS, Command, ShowState, apply, speed_multiplier
from vj.errors import VjError
from vj.presets import slug
from vj.render.fx import FxSettings

log = logging.getLogger("vj.live")


class Controls:
    def __init__(self, presets: dict, library, *, preset: str | None, bank: str, hud: bool,
                 auto: bool) -> None:
        self.presets, self.library = presets, library
        names = sorted(p.name for p in presets.values())
        if self.canon(preset) is None:
            raise VjError(f"preset {preset!r} does not exist; valid: {', '.join(names)}")
        self.state = ShowState(presets=names, banks=library.names(), preset=self.canon(preset),
                               bank=bank, hud=hud, auto=auto)
        self.want_bank: str | None = None   # asked for; shown when its source is ready
        self.quit = False
        self._esc = -10.0
        self._fx_version = -1
        self.fx = FxSettings()
        self.auto_switches: list = []       # (show time, preset), at most 256 kept
        self.quantiser = None               # vj.live.tempo.Quantiser (set by the show)
        self.cues = None                    # vj.show.runner.SetRunner (a show file)
        self.refresh()

    def canon(self, name) -> str | None:
        p = self.presets.get(slug(name)) if name else None
        return p.name if p else None

    @property
    def preset(self):
        return self.presets[slug(self.state.preset)]

    def names(self) -> dict:
        return {"preset": list(self.state.presets), "bank": self.library.names()}

    def refresh(self) -> None:
        """Rebuild the effect amounts when they changed (not every frame)."""
        if self.state.changed_fx != self._fx_version:
            self._fx_version = self.state.changed_fx
            self.fx = FxSettings.from_dict({**self.preset.fx, **self.state.fx})

    def next_up(self) -> str:
        """What comes next: a held (quantised) switch, a bank being prepared, or the
        preset that `next` would select."""
        q = self.quantiser
        held = [c for _, _, c in (q.pending if q is not None else [])
                if c.action in ("preset", "bank", "preset_next", "preset_prev")]
        if held:
            c = held[-1]
            return f"{c.action.replace('_', ' ')} {c.value or ''} on the {q.mode}".strip()
        if self.want_bank:
            return f"bank {self.want_bank} (preparing)"
        ps = self.state.presets
        if ps and self.state.preset in ps:
            return f"preset {ps[(ps.index(self.state.preset) + 1) % len(ps)]}"
        return ""

    def speed(self) -> float:
        return self.preset.motion.speed * speed_multiplier(self.state.speed)

    # -- applying -------------------------------------------------------------------------------
    def apply(self, cmd: Command, now: float) -> None:
        """Apply ``cmd`` now, or hold it for the next beat or bar (--quantize)."""
        if self.quantiser is not None and self.quantiser.hold(cmd, now):
            return
        self._apply(cmd, now)

    def release(self, now: float, half_frame: float) -> None:
        """Apply the held commands whose beat or bar falls in this frame."""
        if self.quantiser is not None:
            for cmd in self.quantiser.release(now, half_frame):
                self._apply(cmd, now)

    def _apply(self, cmd: Command, now: float) -> None:
        if cmd.action in SET_ACTIONS:
            if self.cues is not None:
                self.cues.request(cmd)
            return
        if cmd.action == "preset":
            cmd = Command("preset", self.canon(cmd.value), cmd.source)
        if cmd.action == "bank":
            self._bank(str(cmd.value))
            return
        apply(self.state, cmd, now)   # a cut is counted in state.cuts for the motion

    def _bank(self, value: str) -> None:
        if value in self.library.names():
            self.want_bank = value if value != self.state.bank else None
        elif self.library.folder_allowed(value):
            self.library.submit("load", value)   # a "loaded" event follows
        else:
            log.warning("bank %r: not a loaded bank nor a folder under --bank-dir", value)

    def events(self, now: float) -> None:
        """Loader events: a loaded folder becomes the bank asked for."""
        lib = self.library
        while True:
            try:
                kind, name = lib.events.get_nowait()
            except Exception:
                break
            if kind == "loaded":
                self.state.banks = lib.names()
                self.want_bank = name if name != self.state.bank else None

    def switch_when_ready(self, now: float) -> None:
        """Show the bank asked for once its source is ready (the loader prepares it)."""
        name = self.want_bank
        if name is None:
            return
        self.library.keep = {self.state.bank, name}
        if self.library.source(name) is not None:
            self.state.banks = self.library.names()
            apply(self.state, Command("bank", name), now)
            self.want_bank = None

    def auto_genre(self, genre: str | None, now: float, show_time: float) -> None:
        p = self.canon(genre)
        if self.state.auto and p and p != self.state.preset:
            apply(self.state, Command("preset", p, "auto"), now)
            if len(self.auto_switches) < 256:
                self.auto_switches.append((show_time, p))

    def keys(self, target, now: float) -> None:
        """Space = cut, Enter = GO, Backspace = BACK, H = HUD, F = fullscreen, 1-9 = presets,
        Esc twice = quit."""
        if not target.keys:
            return
        import glfw

        while target.keys:
            key = target.keys.popleft()
            if key == glfw.KEY_SPACE:
                self.apply(Command("cut", source="key"), now)
            elif key == glfw.KEY_H:
                self.apply(Command("hud", source="key"), now)
            elif key == glfw.KEY_F:
                target.toggle_fullscreen()
            elif key in (glfw.KEY_ENTER, glfw.KEY_KP_ENTER, glfw.KEY_BACKSPACE):
                self.apply(Command("back" if key == glfw.KEY_BACKSPACE else "go", source="key"),
                           now)
            elif key == glfw.KEY_ESCAPE:
                if now - self._esc < 1.0:
                    self.quit = True
                self._esc = now
            elif glfw.KEY_1 <= key <= glfw.KEY_9:
                i = key - glfw.KEY_1
                if i < len(self.state.presets):
                    self.apply(Command("preset", self.state.presets[i], source="key"), now)
