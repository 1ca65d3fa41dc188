"""The web clients' commands in the render loop, once per frame: levels through each
client's own soft takeover (as a MIDI controller), everything else as it came.

A web fader shows the show's value, so a new gesture (the first move after
:data:`GESTURE` seconds) starts where the show is, and even a tap elsewhere on the
track takes the level; while the finger moves, a level that another source (the
desk, MIDI, DMX) changes meanwhile is taken back only once the fader reaches it.
The HTTP API (client 0, scripts) sets levels at once."""
from __future__ import annotations

from vj.control.buffer import LatestBuffer
from vj.control.takeover import SoftTakeover

MAX_DISCRETE = 256
GESTURE = 1.0      # s without a move of a fader: the next move is a new gesture


class WebCommands(LatestBuffer):
    """What the web thread hands over: a level keeps its newest value per client."""

    def __init__(self) -> None:
        super().__init__(MAX_DISCRETE)

    def level(self, client: int, target: str, value: float) -> None:
        self.put(("level", client, target, value), level=(client, target))

    def gone(self, client: int) -> None:
        """A client disconnected: what the loop keeps for it can go."""
        self.put(("gone", client))

    def command(self, cmd) -> None:
        self.put(("command", cmd), level=cmd.action if cmd.action in (
            "preset", "bank", "blackout", "auto", "hud") else None)


class WebControl:
    def __init__(self, commands: WebCommands, *, soft: bool = True) -> None:
        self.commands, self.soft = commands, soft
        self.takeover: dict = {}      # client -> SoftTakeover (at most 64, oldest out)
        self.moved: dict = {}         # (client, target) -> when it last moved
        self.applied = 0

    def apply(self, controls, now: float) -> None:
        state = controls.state
        for item in self.commands.drain():
            if item[0] == "gone":            # a page that left keeps nothing here
                self.takeover.pop(item[1], None)
                for key in [k for k in self.moved if k[0] == item[1]]:
                    del self.moved[key]
                continue
            if item[0] == "level":
                _, client, target, v = item
                t = self.takeover.get(client)
                if t is None:
                    if len(self.takeover) >= 64:     # bounded: the oldest client goes
                        self.takeover.pop(next(iter(self.takeover)))
                    t = self.takeover[client] = SoftTakeover("web", soft=self.soft)
                if target.startswith("fx/"):
                    now_value = float(getattr(controls.fx, target[3:]))
                else:
                    now_value = float(getattr(state, target))
                if client == 0:
                    cmd = t.take(target, v)
                else:
                    if now - self.moved.get((client, target), -1e9) > GESTURE:
                        t.seed(target, now_value)
                    if len(self.moved) > 1024:
                        self.moved.clear()
                    self.moved[(client, target)] = now
                    cmd = t.level(target, v, now_value)
            else:
                cmd = item[1]
            if cmd is not None:
                controls.apply(cmd, now)
                self.applied += 1
