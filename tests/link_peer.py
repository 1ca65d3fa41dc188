"""A second Ableton Link peer for tests/test_tempo.py: joins at BPM, waits for vj to
join the session, then sends N OSC cuts to vj at uneven times between beats.

    link_peer.py BPM PORT N [LINGER_S [READY_FILE]]

READY_FILE is created once its Link session runs (the test starts vj after it)."""
import asyncio
import socket
import sys
import time

from pythonosc.udp_client import SimpleUDPClient


async def main(bpm: float, port: int, cuts: int) -> None:
    from aalink import Link

    link = Link(bpm)
    link.enabled = True
    if len(sys.argv) > 5:
        open(sys.argv[5], "w").close()
    t0 = time.time()
    while link.num_peers < 1 and time.time() - t0 < 20:
        await asyncio.sleep(0.05)
    print(f"peer: vj joined after {time.time() - t0:.2f} s", flush=True)
    await asyncio.sleep(1.5)
    c = SimpleUDPClient("127.0.0.1", port)
    for i in range(cuts):
        c.send_message("/vj/cut", [])
        await asyncio.sleep(0.37 + 0.61 * (i % 3))   # never on the bar on purpose
    await asyncio.sleep(float(sys.argv[4]) if len(sys.argv) > 4 else 4.0)


if __name__ == "__main__":
    socket.setdefaulttimeout(2)
    asyncio.run(main(float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
