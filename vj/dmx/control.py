"""The desk's DMX as show commands, once per frame (render loop), the same way as
OSC and MIDI: a channel whose value changed becomes a Command; the last change wins
per parameter, whatever sent it, and with soft takeover a desk fader does not jump a
level that OSC or MIDI set until it reaches it.

Signal loss (no packet of the universe for ``loss_after`` seconds, after one came):
``hold`` keeps the look and, when DMX returns, the desk's values apply again at
once; ``blackout`` fades the master to black over :data:`FADE` and applies the
desk's values again on return; ``release`` keeps the look and hands the show to
OSC, MIDI and the keyboard: on return the desk's faders pick their levels up.
"""
from __future__ import annotations

from vj.control.state import Command
from vj.control.takeover import SoftTakeover
from vj.dmx.personality import (
    LEVELS,
    control_action,
    crossfade_seconds,
    level,
    select,
)

LOSS_MODES = ("hold", "blackout", "release")
FADE = 1.0        # s: the blackout on loss
#: Levels whose DMX value 0 means "the preset's own value".
ZERO_IS_DEFAULT = frozenset(LEVELS) - {"master"}


def open_dmx(cfg, faults) -> "DmxControl":
    """The show's DMX input from its settings (vj.live.config.ShowConfig); a bad mode,
    address or port stops the show before it starts, with one line."""
    from vj.dmx.personality import load_personality
    from vj.dmx.receiver import DmxReceiver
    from vj.errors import VjError
    from vj.options import resolve_hosts

    mode = load_personality(cfg.dmx_personality).mode(cfg.dmx_mode)
    if not 1 <= cfg.dmx_address <= 513 - mode.footprint:
        raise VjError(f"--dmx-address {cfg.dmx_address}: mode {mode.name} takes {mode.footprint} "
                      f"channels, so it starts at 1-{513 - mode.footprint}")
    allow = resolve_hosts(cfg.dmx_allow, "--dmx-allow")
    protocol, universe = cfg.dmx
    rx = DmxReceiver(protocol, universe, host=cfg.dmx_host, allow=allow,
                     htp=mode.htp_slots(cfg.dmx_address), faults=faults)
    return DmxControl(rx, mode, cfg.dmx_address, faults, loss=cfg.dmx_loss,
                      loss_after=cfg.dmx_loss_after, soft=cfg.soft_takeover,
                      ignore_blank=cfg.dmx_ignore_blank)


class DmxControl:
    def __init__(self, receiver, mode, address: int, faults, *, loss: str = "hold",
                 loss_after: float = 3.0, soft: bool = True, ignore_blank: bool = False) -> None:
        self.receiver, self.mode, self.address, self.faults = receiver, mode, address, faults
        self.loss, self.loss_after = loss, loss_after
        self.takeover = SoftTakeover("dmx", soft=soft)
        self.frame = bytearray(512)
        self.seq = 0
        self.values: dict | None = None     # the raw values last applied
        self.lost_at: float | None = None   # when the signal was lost (None: not lost)
        self._fade_from = 1.0
        self._assert = True                 # the next frame applies every channel
        self.applied = 0
        #: --dmx-ignore-blank: a desk's zeros at its start (or return) are not applied
        self.ignore_blank = ignore_blank
        self.blank = ignore_blank           # waiting for a channel that is not 0
        self.ignored = 0                    # frames of zeros ignored
        # one-shot actions fired by the control channel
        self.triggers = {"cut": 0, "tap": 0, "go": 0, "back": 0}

    def start(self) -> "DmxControl":
        self.receiver.start()
        return self

    def stop(self) -> None:
        self.receiver.stop()

    def apply(self, controls, now: float) -> None:
        """Every channel that changed since the last frame, and the loss rules."""
        r = self.receiver
        if r.last_packet == 0.0:       # nothing yet: the show is as it started
            return
        if now - r.last_packet > self.loss_after:
            self._lost(controls, now)
            return
        if self.lost_at is not None:
            self.lost_at = None
            self.faults.clear("dmx", f"DMX is back ({r.describe()})")
            self._assert = self.loss != "release"
            self.blank = self.ignore_blank
        seq = r.read(self.frame, self.seq)
        if seq == self.seq:
            return
        self.seq = seq
        raw = self.mode.decode(self.frame, self.address)
        if self.blank:
            if not any(raw.values()):       # the desk's zeros: not a look
                self.ignored += 1
                return
            self.blank = False
        before, self.values = self.values, raw
        force, self._assert = self._assert, False
        for c in self.mode.channels:
            v = raw[c.function]
            if not force and before is not None and before[c.function] == v:
                continue
            for cmd in self._commands(c, v, None if before is None else before[c.function],
                                      controls, force):
                controls.apply(cmd, now)
                self.applied += 1

    def _lost(self, controls, now: float) -> None:
        if self.lost_at is None:
            self.lost_at = now
            self._fade_from = controls.state.master
            what = {"hold": "holding the last look", "blackout": "fading to black",
                    "release": "control handed back to OSC, MIDI and the keyboard"}[self.loss]
            self.faults.report("dmx", f"DMX lost (no packets for {self.loss_after:g} s): {what}")
        if self.loss == "blackout":
            k = max(0.0, 1.0 - (now - self.lost_at) / FADE)
            target = self._fade_from * k
            if controls.state.master != target:
                controls.apply(Command("master", target, "dmx"), now)

    def _commands(self, c, v: int, old: int | None, controls, force: bool):
        state, fn = controls.state, c.function
        if fn in LEVELS:
            x = level(v, c.fine, fn in ZERO_IS_DEFAULT)
            kind, _, name = fn.partition("/")
            own = {"fx": controls.preset.fx, "refine": controls.preset.refine}.get(kind)
            if x is None:        # 0: the preset's own value
                x = 0.5 if own is None else float(own.get(name, 0.0))
            now_value = float(getattr(state, kind).get(name, own.get(name, 0.0))) \
                if own is not None else float(getattr(state, fn))
            cmd = self.takeover.take(fn, x) if force else self.takeover.level(fn, x, now_value)
            return [cmd] if cmd is not None else []
        if fn == "song":
            n = len(controls.cues.set.songs) if controls.cues is not None else 0
            i = select(v, n)
            if i is None or (not force and old is not None and select(old, n) == i):
                return []
            return [Command("song", i + 1, "dmx")]
        if fn in ("preset", "bank"):
            names = state.presets if fn == "preset" else state.banks
            i = select(v, len(names))
            if i is None or (not force and old is not None and select(old, len(names)) == i):
                return []
            return [Command(fn, names[i], "dmx")]
        if fn == "crossfade":
            return [Command("crossfade", crossfade_seconds(v), "dmx")]
        # control: act on entering a range (a cut or tap only on a change seen, not
        # on the first packet); blackout while in its range
        act, was = control_action(v), None if old is None else control_action(old)
        out = []
        if was == "blackout" and act != "blackout":
            out.append(Command("blackout", False, "dmx"))
        if act == was and not force:
            return out
        if act in ("cut", "tap", "go", "back"):
            if old is not None and act != was:
                out.append(Command(act, None, "dmx"))
                self.triggers[act] += 1
        elif act == "blackout":
            out.append(Command("blackout", True, "dmx"))
        elif act in ("auto_on", "auto_off", "hud_on", "hud_off"):
            name, on = act.split("_")
            out.append(Command(name, on == "on", "dmx"))
        return out

    def status(self, now: float) -> str:
        r = self.receiver
        if r.last_packet == 0.0:
            state = "waiting"
        elif self.lost_at is not None:
            state = f"LOST ({self.loss})"
        else:
            state = f"{r.rate(now):.0f} packets/s, {r.live_sources} source" \
                    + ("s" if r.live_sources != 1 else "")
        return f"{r.describe()} @{self.address} {self.mode.name}: {state}"

    def summary(self) -> dict:
        """The closing summary's DMX part (vj live --summary-json)."""
        r = self.receiver
        return {"source": r.describe(), "address": self.address, "mode": self.mode.name,
                "packets": r.packets, "good": r.good, "bad": r.bad, "other": r.other,
                "bad_kinds": dict(r.by_kind), "applied": self.applied,
                "triggers": dict(self.triggers), "ignored_blank": self.ignored,
                "sources": [{"name": n, "priority": p} for n, p in r.merger.sources()],
                "lost": self.lost_at is not None, "loss": self.loss}

    def report(self) -> str:
        """The closing summary's words for DMX."""
        r = self.receiver
        return (f"DMX {r.describe()} @{self.address} ({self.mode.name}): {r.good} packets of "
                f"{r.packets}, {r.bad} bad, {self.applied} changes applied"
                + (", lost at the end" if self.lost_at is not None else ""))
