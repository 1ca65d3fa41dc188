"""The web remote's clients: who is connected, each one's message budget (a token
bucket), and the counts the summary reports."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

log = logging.getLogger("vj.web")

RATE, BURST = 60.0, 120.0    # messages per second per client, and its burst
MAX_DROPPED, MAX_BAD = 600, 20   # a client past these is disconnected
MAX_CLIENTS = 32
SEND_TIMEOUT = 1.0           # s: a client slower than this is dropped
MAX_KINDS = 64               # distinct kinds of refusal or bad message counted by name


@dataclass
class WebStats:
    clients: int = 0
    connections: int = 0
    messages: int = 0
    accepted: int = 0
    dropped: int = 0          # over a client's message budget
    bad: int = 0              # not a valid command
    refused: int = 0          # no token, another origin, an address not allowed
    disconnected: int = 0     # clients dropped for flooding, garbage or slowness
    by_kind: dict = field(default_factory=dict)

    def count(self, kind: str, *totals: str) -> None:
        """One more of ``kind`` (a refusal, a bad message, a disconnection) and of each
        total named (``"bad"``, ``"refused"``, ``"disconnected"``); the first of a kind
        is logged, the others only counted."""
        for name in totals:
            setattr(self, name, getattr(self, name) + 1)
        if kind not in self.by_kind and len(self.by_kind) >= MAX_KINDS:
            kind = "other"           # bounded, whatever the clients send
        n = self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        if n == 1:
            log.warning("web: %s; further ones are only counted", kind)


class Client:
    _ids = 0

    def __init__(self, ws, peer: str) -> None:
        Client._ids += 1
        self.id, self.ws, self.peer = Client._ids, ws, peer
        self.preview = True
        self.sent_seq = -1
        self.tokens, self.stamp = BURST, time.monotonic()
        self.dropped = self.bad = 0

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.stamp) * RATE)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False
