"""The DMX receiver: one thread owns the socket (Art-Net on UDP 6454, or sACN on UDP
5568 with the universe's multicast group joined and unicast accepted), parses each
datagram in a preallocated buffer, merges the universe vj listens to
(:class:`vj.dmx.merge.Merger`) at most every :data:`MERGE_INTERVAL` and publishes
it; the render loop copies the newest universe once per frame (:meth:`read`).

Own parsers rather than the ``sacn`` or ``stupidartnet`` receivers: those call back
per packet on threads of their own with fresh Python objects, and the ``sacn``
receiver keeps its own timeouts and merge rules; here one ``recv_into`` and a slice
per packet, the merge and the loss rules where the fixture sheet says.

Bad, short and foreign packets, and senders not in ``allow``, are counted and
logged once per kind.  The socket shares its port (SO_REUSEADDR): other Art-Net or
sACN software on the same machine (OLA, a visualiser) keeps working.
"""
from __future__ import annotations

import logging
import socket
import struct
import threading
import time

from vj.dmx.merge import Merger
from vj.dmx.packets import (
    ARTNET_PORT,
    OP_DMX,
    OP_POLL,
    SACN_PORT,
    BadPacket,
    artnet_opcode,
    artpoll_reply,
    parse_artdmx,
    parse_sacn,
    sacn_group,
)

log = logging.getLogger("vj.dmx")

MERGE_INTERVAL = 0.004     # s: a flood is merged at most 250 times a second
TICK = 0.02                # s: the socket's timeout, for the last merge of a burst


class DmxReceiver:
    def __init__(self, protocol: str, universe: int, *, host: str | None = None,
                 port: int | None = None, allow=None, htp=(), faults=None) -> None:
        from vj.errors import VjError

        if protocol not in ("artnet", "sacn"):
            raise VjError(f"--dmx {protocol}: artnet or sacn")
        self.protocol, self.universe, self.host = protocol, universe, host
        self.port = port or (ARTNET_PORT if protocol == "artnet" else SACN_PORT)
        self.allow = None if not allow else set(allow)
        self.faults = faults
        self.merger = Merger(protocol, list(htp))
        self.packets = 0            # every datagram, once handled
        self.good = 0               # packets of our universe taken into the merge
        self.bad = 0
        self.other = 0              # well-formed, but another universe or type, or late
        self.by_kind: dict = {}
        self.last_packet = 0.0      # perf_counter of the newest packet of our universe
        self.seq = 0                # bumps on each publication
        self.live_sources = 0
        self._frame = bytearray(512)
        self._lock = threading.Lock()
        self._buf = bytearray(1500)
        self._view = memoryview(self._buf)
        self._times: list = [0.0] * 64   # the newest good packets' times (a rate over 1 s)
        self._ti = 0
        self._sock = self._open(VjError)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vj-dmx", daemon=True)

    def _open(self, VjError):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        bind = self.host if (self.protocol == "artnet" and self.host) else "0.0.0.0"
        try:
            s.bind((bind, self.port))
        except OSError as e:
            s.close()
            raise VjError(f"DMX ({self.protocol}): cannot listen on {bind}:{self.port} "
                          f"({e.strerror}); check --dmx-host") from None
        if self.protocol == "sacn":
            group = socket.inet_aton(sacn_group(self.universe))
            iface = socket.inet_aton(self.host or "0.0.0.0")
            try:
                s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                             struct.pack("4s4s", group, iface))
            except OSError as e:   # no multicast route (a bare container): unicast still works
                log.warning("sACN: cannot join %s (%s); unicast only", sacn_group(self.universe),
                            e.strerror)
        s.settimeout(TICK)
        return s

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> "DmxReceiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        self._sock.close()

    @property
    def address(self) -> tuple[str, int]:
        return self._sock.getsockname()

    # -- the render loop's side -----------------------------------------------------------------
    def read(self, into: bytearray, seen: int) -> int:
        """Copy the newest merged universe into ``into`` if it is newer than ``seen``;
        returns its sequence number (``seen`` when nothing new)."""
        if self.seq == seen:
            return seen
        with self._lock:
            into[:] = self._frame
            return self.seq

    def rate(self, now: float) -> float:
        """Good packets per second over the last second."""
        return float(sum(1 for t in self._times if now - t <= 1.0))

    def describe(self) -> str:
        u = self.universe
        return f"{'Art-Net' if self.protocol == 'artnet' else 'sACN'} universe {u}"

    # -- the thread -----------------------------------------------------------------------------
    def _run(self) -> None:
        from vj.runtime import chaos

        dirty, merged_at = False, 0.0
        while not self._stop.is_set():
            try:
                try:
                    n, sender = self._sock.recvfrom_into(self._buf)
                except socket.timeout:
                    n = 0
                now = time.perf_counter()
                if n:
                    chaos.check("dmx")
                    dirty |= self.handle(self._view[:n], sender, now)
                if (dirty and now - merged_at >= MERGE_INTERVAL) or now - merged_at > 0.25:
                    self._publish(now)
                    dirty, merged_at = False, now
            except OSError:
                if self._stop.is_set():
                    return
            except Exception as e:  # never let one packet end the receiver
                self._bad("internal error", repr(e))
                if self.faults is not None:
                    self.faults.report("dmx", f"DMX packet handling failed ({str(e)[:120]})")

    def _publish(self, now: float) -> None:
        self.live_sources = self.merger.merge(now)
        with self._lock:
            self._frame[:] = self.merger.out
            self.seq += 1

    def handle(self, data, sender, now: float) -> bool:
        """One datagram; True if it changed the universe (also used by tests).

        ``packets`` counts it once it is fully counted by kind, so that a reader who
        sees N packets also sees their kinds (CI once read ``good`` a moment early).
        """
        try:
            return self._handle(data, sender, now)
        finally:
            self.packets += 1

    def _handle(self, data, sender, now: float) -> bool:
        if self.allow is not None and sender[0] not in self.allow:
            self._bad("sender not allowed", f"{sender[0]} is not in --dmx-allow")
            return False
        try:
            if self.protocol == "artnet":
                op = artnet_opcode(data)
                if op == OP_POLL:
                    self._reply_poll(sender)
                    return False
                if op != OP_DMX:
                    self.other += 1
                    return False
                dmx, key = parse_artdmx(data), sender
            else:
                dmx = parse_sacn(data)
                if dmx is None:
                    self.other += 1
                    return False
                key = dmx.source
        except BadPacket as e:
            self._bad(e.kind, str(e))
            return False
        if dmx.universe != self.universe:
            self.other += 1
            return False
        if not self.merger.feed(key, dmx, now):   # out of order: a late packet, not a bad one
            self.other += 1
            return False
        self.good += 1
        self.last_packet = now
        self._times[self._ti] = now
        self._ti = (self._ti + 1) % len(self._times)
        return True

    def _reply_poll(self, sender) -> None:
        """ArtPollReply, unicast to the controller that polled (Art-Net 4)."""
        ip = self.host if self.host and self.host != "0.0.0.0" else _local_ip_towards(sender[0])
        try:
            if (sender[0], ARTNET_PORT) != self.address:   # not to itself
                self._sock.sendto(artpoll_reply(ip, self.universe), (sender[0], ARTNET_PORT))
            if sender[1] != ARTNET_PORT:   # a tool polling from another port
                self._sock.sendto(artpoll_reply(ip, self.universe), sender)
        except OSError as e:
            self._bad("reply failed", str(e))

    def _bad(self, kind: str, detail: str) -> None:
        self.bad += 1
        n = self.by_kind.get(kind, 0)
        self.by_kind[kind] = n + 1
        if n == 0:
            log.warning("DMX: bad packet (%s): %s; further ones of this kind are only counted",
                        kind, detail)


def _local_ip_towards(ip: str) -> str:
    """This machine's address on the route to ``ip`` (no packet is sent)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect((ip, ARTNET_PORT))
        return s.getsockname()[0]
    except OSError:
        return "0.0.0.0"
    finally:
        s.close()
