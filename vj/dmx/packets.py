"""Art-Net 4 and sACN (ANSI E1.31) on the wire: parsing and building, no sockets.

Parsers read a datagram in place (``memoryview``) and return the DMX slots as a
view into it, so the receiver copies each universe once; anything malformed raises
:class:`BadPacket` with a kind, counted by the receiver once per kind.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

ARTNET_PORT = 6454
SACN_PORT = 5568
ARTNET_ID = b"Art-Net\0"
OP_POLL, OP_POLL_REPLY, OP_DMX = 0x2000, 0x2100, 0x5000
ACN_ID = b"ASC-E1.17\0\0\0"
VECTOR_ROOT_DATA, VECTOR_FRAMING_DATA, VECTOR_DMP_SET = 4, 2, 2
OPT_PREVIEW, OPT_TERMINATED = 0x80, 0x40
#: sACN universes are 1-63999; Art-Net port-addresses 0-32767
SACN_UNIVERSES = range(1, 64000)
ARTNET_UNIVERSES = range(0, 32768)


class BadPacket(Exception):
    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True)
class Dmx:
    """One universe's slots from one source."""
    universe: int
    slots: memoryview          # up to 512 values, a view into the datagram
    source: bytes              # sACN: the CID; Art-Net: empty (the sender's address names it)
    priority: int = 100        # sACN 0-200; Art-Net has none (100, sACN's default)
    sequence: int = 0          # 0: not used (Art-Net's "disabled")
    terminated: bool = False   # sACN: the source ends its stream
    name: str = ""


# -- Art-Net ---------------------------------------------------------------------------------------

def artnet_opcode(data) -> int:
    """The Art-Net OpCode of ``data``, or raise BadPacket."""
    if len(data) < 12 or bytes(data[:8]) != ARTNET_ID:
        raise BadPacket("not Art-Net")
    return data[8] | (data[9] << 8)


def parse_artdmx(data) -> Dmx:
    """An ArtDmx packet (OpCode 0x5000)."""
    m = memoryview(data)
    if len(m) < 20:
        raise BadPacket("short", f"ArtDmx of {len(m)} bytes")
    if artnet_opcode(m) != OP_DMX:
        raise BadPacket("not ArtDmx")
    universe = (m[15] & 0x7F) << 8 | m[14]
    length = m[16] << 8 | m[17]
    if not 2 <= length <= 512 or 18 + length > len(m):
        raise BadPacket("bad length", f"ArtDmx says {length} slots in {len(m) - 18} bytes")
    return Dmx(universe, m[18:18 + length], b"", sequence=m[12])


def artdmx(universe: int, slots: bytes, sequence: int = 0) -> bytes:
    """Build an ArtDmx packet (tests, `vj dmx` tools)."""
    if len(slots) % 2:
        slots = bytes(slots) + b"\0"
    return (ARTNET_ID + struct.pack("<H", OP_DMX) + bytes((0, 14, sequence & 0xFF, 0,
            universe & 0xFF, (universe >> 8) & 0x7F)) + struct.pack(">H", len(slots))
            + bytes(slots))


def artpoll() -> bytes:
    return ARTNET_ID + struct.pack("<H", OP_POLL) + bytes((0, 14, 0, 0))


def artpoll_reply(ip: str, universe: int, *, short: str = "vj", long: str = "vj live visuals",
                  report: str = "") -> bytes:
    """ArtPollReply (Art-Net 4, 239 bytes) for a node with one output port at
    ``universe`` (its port-address), styled as a media server."""
    import socket

    p = bytearray(239)
    p[0:8] = ARTNET_ID
    p[8:10] = struct.pack("<H", OP_POLL_REPLY)
    p[10:14] = socket.inet_aton(ip)
    p[14:16] = struct.pack("<H", ARTNET_PORT)
    p[16:18] = (0, 1)                               # firmware version
    p[18] = (universe >> 8) & 0x7F                  # NetSwitch
    p[19] = (universe >> 4) & 0x0F                  # SubSwitch
    p[23] = 0xD0                                    # Status1: indicators normal, network-set address
    p[26:26 + 17] = short.encode()[:17].ljust(17, b"\0")
    p[44:44 + 63] = long.encode()[:63].ljust(63, b"\0")
    p[108:108 + 63] = (report or "#0001 [0000] vj ready").encode()[:63].ljust(63, b"\0")
    p[172:174] = (0, 1)                             # one port
    p[174] = 0x80                                   # it outputs DMX from the network
    p[182] = 0x80                                   # GoodOutputA: data received
    p[190] = universe & 0x0F                        # SwOut
    p[200] = 0x02                                   # Style: StMedia, a media server
    p[207:211] = socket.inet_aton(ip)               # BindIp
    p[211] = 1                                      # BindIndex
    p[212] = 0x08                                   # Status2: 15-bit port-addresses
    return bytes(p)


def parse_artpoll_reply(data) -> dict:
    """The fields of an ArtPollReply that a desk lists (tests)."""
    import socket

    m = bytes(data)
    if len(m) < 207 or artnet_opcode(m) != OP_POLL_REPLY:
        raise BadPacket("not ArtPollReply")
    return {"ip": socket.inet_ntoa(m[10:14]), "short": m[26:44].split(b"\0")[0].decode(),
            "long": m[44:108].split(b"\0")[0].decode(),
            "universe": (m[18] & 0x7F) << 8 | (m[19] & 0x0F) << 4 | (m[190] & 0x0F),
            "style": m[200]}


# -- sACN (E1.31) ----------------------------------------------------------------------------------

def parse_sacn(data) -> Dmx | None:
    """An E1.31 data packet; None for the other E1.31 packets (synchronisation,
    universe discovery) and for preview data, which a show ignores."""
    m = memoryview(data)
    if len(m) < 126:
        raise BadPacket("short", f"sACN packet of {len(m)} bytes")
    if bytes(m[4:16]) != ACN_ID or m[0] != 0 or m[1] != 0x10:
        raise BadPacket("not sACN")
    if struct.unpack_from(">I", m, 18)[0] != VECTOR_ROOT_DATA:
        return None                                   # extended: sync or discovery
    if struct.unpack_from(">I", m, 40)[0] != VECTOR_FRAMING_DATA or m[117] != VECTOR_DMP_SET:
        raise BadPacket("bad vector")
    if m[118] != 0xA1 or m[119] | m[120] or m[121] != 0 or m[122] != 1:
        raise BadPacket("bad DMP layer")
    count = m[123] << 8 | m[124]
    if not 1 <= count <= 513 or 125 + count > len(m):
        raise BadPacket("bad length", f"{count} values in {len(m) - 125} bytes")
    options = m[112]
    if options & OPT_PREVIEW:
        return None
    if m[125] != 0:
        return None                                   # an alternate START code: not dimmer data
    priority = m[108]
    if priority > 200:
        raise BadPacket("bad priority", str(priority))
    name = bytes(m[44:108]).split(b"\0")[0].decode("utf-8", "replace")
    return Dmx(m[113] << 8 | m[114], m[126:125 + count], bytes(m[22:38]), priority=priority,
               sequence=m[111], terminated=bool(options & OPT_TERMINATED), name=name)


def sacn_data(universe: int, slots: bytes, *, cid: bytes = b"vj-test-source!!", priority: int = 100,
              sequence: int = 0, terminated: bool = False, name: str = "vj test") -> bytes:
    """Build an E1.31 data packet (tests)."""
    n = len(slots)
    p = bytearray(126 + n)
    p[0:2] = b"\0\x10"
    p[4:16] = ACN_ID
    struct.pack_into(">HI", p, 16, 0x7000 | (110 + n), VECTOR_ROOT_DATA)
    p[22:38] = cid[:16].ljust(16, b"\0")
    struct.pack_into(">HI", p, 38, 0x7000 | (88 + n), VECTOR_FRAMING_DATA)
    p[44:108] = name.encode()[:63].ljust(64, b"\0")
    p[108] = priority
    p[111] = sequence & 0xFF
    p[112] = OPT_TERMINATED if terminated else 0
    struct.pack_into(">H", p, 113, universe)
    struct.pack_into(">HBBHHH", p, 115, 0x7000 | (11 + n), VECTOR_DMP_SET, 0xA1, 0, 1, n + 1)
    p[126:] = slots
    return bytes(p)


def sacn_group(universe: int) -> str:
    """The multicast group of an sACN universe (239.255.hi.lo)."""
    return f"239.255.{universe >> 8}.{universe & 0xFF}"


def sequence_ok(last: int | None, new: int) -> bool:
    """E1.31 6.7.2: a packet is out of order when it is at most 20 behind the last."""
    if last is None:
        return True
    d = (new - last) & 0xFF
    d = d - 256 if d > 127 else d
    return not -20 < d <= 0
