"""The OSC server: UDP in, validated Commands out (docs/design.md, sections 3 and 6).

One thread owns the socket.  Every datagram is parsed with python-osc's
packet parser and checked against the address space; good messages become
:class:`~vj.control.state.Command` objects in a :class:`CommandBuffer` that the
render loop drains between frames: level messages are coalesced (the last value
wins), other commands are kept in order up to a bound.  Bad packets (malformed,
unknown address, wrong type or count, out of range, NaN, far-future time tags,
a sender not in ``allow``) are counted, logged once per kind and never applied.
Bundles timed a little in the future are held in a small schedule and released
when due; the receive loop never sleeps on them.  Feedback to the desk is sent
at most every :data:`FEEDBACK_INTERVAL` per address, last value.

The socket is bound without SO_REUSEADDR: a second vj on the same port fails
with one line instead of silently stealing the desk's messages.
"""
from __future__ import annotations

import errno
import heapq
import logging
import socket
import threading
import time
from dataclasses import dataclass, field

from vj.control.addresses import (
    BadMessage,
    DeskProfile,
    arguments_complete,
    load_profile,
    parse_message,
)
from vj.control.buffer import LatestBuffer
from vj.control.state import Command
from vj.options import resolve_hosts

log = logging.getLogger("vj.osc")

DEFAULT_PORT = 7000
#: Bundles timed further ahead than this are refused as far-future.
MAX_SCHEDULE_AHEAD = 5.0
MAX_SCHEDULED = 256
#: Commands that set a level: coalesced per frame, the last value wins.
LEVELS = frozenset(("intensity", "speed", "master", "blackout", "fx", "bpm", "auto", "preset",
                    "bank", "fit", "refine"))
#: Other commands (cut, tap, next/prev preset, HUD toggle) kept per frame at most.
MAX_DISCRETE = 256
#: Seconds between two feedback messages to the same address.
FEEDBACK_INTERVAL = 0.05


class CommandBuffer(LatestBuffer):
    """The OSC thread's commands: each level (``/vj/master``, ``/vj/fx/trail``, ...)
    keeps only its newest value (vj.control.buffer)."""

    def __init__(self) -> None:
        super().__init__(MAX_DISCRETE)

    def put(self, cmd: Command) -> None:
        level = None
        if cmd.action in LEVELS:
            level = (cmd.action, cmd.value[0]) if cmd.action in ("fx", "refine") \
                else cmd.action
        super().put(cmd, level)


@dataclass
class OscStats:
    packets: int = 0
    good: int = 0
    bad: int = 0
    by_kind: dict = field(default_factory=dict)


class OscServer:
    def __init__(self, *, host: str = "0.0.0.0", port: int = DEFAULT_PORT,
                 profile: DeskProfile | str | None = None,
                 feedback: tuple[str, int] | None = None, status=None, names=None,
                 allow=None, bank_folder_ok=None, faults=None) -> None:
        self.profile = profile if isinstance(profile, DeskProfile) else load_profile(profile)
        self.commands = CommandBuffer()
        self.stats = OscStats()
        #: sender addresses that may control the show (None: any)
        self.allow = resolve_hosts(allow, "--osc-allow")
        #: callable(text) -> bool: may /vj/bank load this folder? (None: no folders)
        self.bank_folder_ok = bank_folder_ok
        self.faults = faults
        #: callable returning the status values (fps, preset, energy, latency_ms, drops, bad)
        self.status = status or (lambda: {})
        #: callable returning {"preset": [...], "bank": [...]}: the names a message may use
        self.names = names
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)  # bursts from desks
        try:
            self._sock.bind((host, port))
        except OSError as e:
            self._sock.close()
            from vj.errors import VjError

            if e.errno == errno.EADDRINUSE:
                raise VjError(f"OSC port {port} is already in use (another vj or OSC program?); "
                              "stop it or choose another port with --osc-port") from None
            raise VjError(f"OSC: cannot listen on {host}:{port} ({e.strerror}); "
                          "check --osc-host and --osc-port") from None
        self.address = self._sock.getsockname()
        self._sock.settimeout(0.05)
        self._feedback = feedback
        self._fb_pending: dict = {}
        self._fb_sent: dict = {}
        self._scheduled: list = []
        self._seq = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vj-osc", daemon=True)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> "OscServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        self._sock.close()

    def __enter__(self) -> "OscServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- the thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        from vj.runtime import chaos

        while not self._stop.is_set():
            try:
                self._release_due(time.time())
                self._flush_feedback(time.perf_counter())
                try:
                    data, sender = self._sock.recvfrom(65536)
                except socket.timeout:
                    continue
                chaos.check("osc")
                self.handle(data, sender)
            except OSError:
                if self._stop.is_set():
                    return
            except Exception as e:  # never let one packet end the server
                self._bad("internal error", repr(e))
                if self.faults is not None:
                    self.faults.report("osc", f"OSC packet handling failed ({str(e)[:120]})")

    def _bad(self, kind: str, detail: str) -> None:
        self.stats.bad += 1
        n = self.stats.by_kind.get(kind, 0)
        self.stats.by_kind[kind] = n + 1
        if n == 0:
            log.warning("OSC: bad packet (%s): %s; further ones of this kind are only counted",
                        kind, detail)

    def handle(self, data: bytes, sender=None) -> None:
        """Validate one datagram and queue its commands (also used directly by tests)."""
        from pythonosc.osc_packet import OscPacket

        self.stats.packets += 1
        if self.allow is not None and (sender is None or sender[0] not in self.allow):
            self._bad("sender not allowed", f"{sender[0] if sender else '?'} is not in --osc-allow")
            return
        now = time.time()
        try:
            messages = OscPacket(data).messages
        except Exception as e:  # ParseError, and hostile nesting (RecursionError)
            self._bad("malformed", str(e)[:120])
            return
        parsed = []
        try:
            for tm in messages:
                if tm.time > now + MAX_SCHEDULE_AHEAD:
                    raise BadMessage("far-future time tag",
                                     f"{tm.time - now:.0f} s ahead (limit {MAX_SCHEDULE_AHEAD:g} s)")
                if not arguments_complete(tm.message.dgram):
                    raise BadMessage("malformed", "arguments cut short")
                cmd = parse_message(tm.message.address, list(tm.message.params), self.profile)
                self._check_name(cmd)
                parsed.append((tm.time, cmd))
        except BadMessage as e:
            self._bad(e.kind, str(e))
            return
        self.stats.good += 1
        for when, cmd in parsed:
            if cmd is None:
                continue
            if cmd.action == "status":
                self._reply_status(sender)
            elif when > now + 0.001:
                if len(self._scheduled) >= MAX_SCHEDULED:
                    self._bad("schedule full", "too many future bundles")
                    continue
                self._seq += 1
                heapq.heappush(self._scheduled, (when, self._seq, cmd))
            else:
                self._emit(cmd)

    def _check_name(self, cmd: Command | None) -> None:
        if cmd is None or cmd.action not in ("preset", "bank") or self.names is None:
            return
        from vj.presets import slug

        known = self.names().get(cmd.action, [])
        if cmd.action == "bank" and cmd.value in known:
            return
        if cmd.action == "preset" and slug(cmd.value) in {slug(n) for n in known}:
            return
        if cmd.action == "bank" and self.bank_folder_ok is not None and \
                self.bank_folder_ok(cmd.value):
            return  # a bank folder under a --bank-dir root, to load while the show runs
        raise BadMessage(f"unknown {cmd.action}", f"{cmd.value[:64]!r}")

    def _release_due(self, now: float) -> None:
        while self._scheduled and self._scheduled[0][0] <= now:
            self._emit(heapq.heappop(self._scheduled)[2])

    def _emit(self, cmd: Command) -> None:
        self.commands.put(cmd)
        if self._feedback is not None and cmd.action != "status":
            pair = cmd.action in ("fx", "refine")
            address = (f"/vj/{cmd.action}/{cmd.value[0]}" if pair
                       else "/vj/" + cmd.action.replace("_", "/"))
            self._fb_pending[address] = cmd.value[1] if pair else cmd.value

    def _flush_feedback(self, now: float) -> None:
        """Send pending feedback, at most once per FEEDBACK_INTERVAL per address."""
        if not self._fb_pending:
            return
        for address in list(self._fb_pending):
            if now - self._fb_sent.get(address, -1.0) >= FEEDBACK_INTERVAL:
                self._send_feedback(address, self._fb_pending.pop(address))
                self._fb_sent[address] = now

    def _reply_status(self, sender) -> None:
        if sender is None:
            return
        from pythonosc.osc_message_builder import OscMessageBuilder

        st = self.status()
        b = OscMessageBuilder("/vj/status")
        b.add_arg(float(st.get("fps", 0.0)))
        b.add_arg(str(st.get("preset") or ""))
        b.add_arg(float(st.get("energy", 0.0)))
        b.add_arg(float(st.get("latency_ms", 0.0)))
        b.add_arg(int(st.get("dropped", 0)))
        b.add_arg(int(self.stats.bad))
        b.add_arg(str(st.get("fault") or "")[:200])   # the current fault, "" when none
        b.add_arg(str(st.get("midi") or "")[:200])    # the MIDI input, "" when none
        b.add_arg(float(st.get("scale", 1.0)))        # the render scale (vj.live.adapt)
        b.add_arg(str(st.get("dmx") or "")[:200])     # the DMX input and its state, "" when none
        b.add_arg(float(st.get("master", 1.0)))       # the master level 0..1
        b.add_arg(str(st.get("set") or "")[:200])     # the set list: song, cue, next; "" when none
        try:
            self._sock.sendto(b.build().dgram, sender)
        except OSError as e:
            self._bad("reply failed", str(e))

    def _send_feedback(self, address: str, value) -> None:
        from pythonosc.osc_message_builder import OscMessageBuilder

        b = OscMessageBuilder(address)
        if isinstance(value, bool):
            b.add_arg(int(value))
        elif isinstance(value, (int, float, str)):
            b.add_arg(value)
        try:
            self._sock.sendto(b.build().dgram, self._feedback)
        except OSError:
            pass

    def drain(self) -> list[Command]:
        """The commands since the last drain, levels coalesced (render loop, between frames)."""
        return self.commands.drain()
