"""``vj bench soak``: a long headless show with the traffic a real one gets, and where its
memory goes (issue 43).

The show runs on a looping song with one OSC message a second; ``--web`` adds a page
that stays connected and reads ``/api/status`` every second, ``--dmx`` a desk sending
Art-Net at 30 packets a second, ``--bank-every S`` a bank switch every S seconds.
Resident memory of the show and of its audio process is sampled every 10 s and split
by kind from ``/proc/PID/smaps`` (:func:`smaps_split`: the Python heap's brk area,
anonymous maps, the GL driver's libraries, other files); the Python heap is traced by
allocation site (tracemalloc) and its top growers between minute 10 (or the first
tenth) and the end are listed with file and line.
"""
from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

#: Minutes at which the memory is reported (those within the run).
MARKS = (2, 10, 30, 60, 120)
#: The desk traffic: one message a second, cycling through these.
SOAK_MESSAGES = [("/vj/preset", "techno"), ("/vj/intensity", 0.8), ("/vj/cut", None),
                 ("/vj/preset", "classical"), ("/vj/speed", 0.6), ("/vj/hud", 1),
                 ("/vj/blackout", 1), ("/vj/blackout", 0), ("/vj/hud", 0),
                 ("/vj/intensity", 0.5)]
GL_LIBS = ("gallium", "llvmpipe", "swrast", "_dri", "libGL", "libEGL", "libGLX", "nvidia",
           "libLLVM", "mesa")


def smaps_split(text: str) -> dict:
    """Resident kB of a process's mappings (the text of ``/proc/PID/smaps``) by kind:
    ``heap`` (the brk heap), ``anon`` (anonymous maps: Python's arenas, numpy, threads'
    stacks, driver buffers), ``gl`` (the GL driver's libraries), ``files`` (the rest)."""
    out = {"heap": 0, "anon": 0, "gl": 0, "files": 0}
    kind = None
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if "-" in parts[0] and len(parts) >= 5 and not parts[0].endswith(":"):
            path = parts[5] if len(parts) > 5 else ""
            kind = ("heap" if path == "[heap]" else "anon" if not path or path.startswith("[")
                    else "gl" if any(g in path for g in GL_LIBS) else "files")
        elif parts[0] == "Rss:" and kind is not None:
            out[kind] += int(parts[1])
    return out


def memory_of(pid: int) -> dict:
    """RSS and its split, in MB, of process ``pid`` (empty where it cannot be read)."""
    try:
        with open(f"/proc/{pid}/smaps") as f:
            split = smaps_split(f.read())
    except OSError:
        return {}
    mb = {k: v / 1024.0 for k, v in split.items()}
    mb["rss"] = sum(mb.values())
    return mb


def growers(before, after, n: int = 10) -> list[dict]:
    """The ``n`` allocation sites whose traced memory grew most between two tracemalloc
    snapshots: file, line, growth and count."""
    out = []
    for s in after.compare_to(before, "lineno")[:n]:
        if s.size_diff <= 0:
            break
        f = s.traceback[0]
        out.append({"where": f"{f.filename}:{f.lineno}", "kb": round(s.size_diff / 1024, 1),
                    "count": s.count_diff})
    return out


def per_hour(samples: list, key: str, after_min: float) -> float:
    """Growth of ``key`` (MB) per hour after minute ``after_min``, fitted (least squares)."""
    import numpy as np

    pts = [(t, m[key]) for t, m in samples if t >= after_min * 60 and key in m]
    if len(pts) < 2:
        return float("nan")
    t, v = np.array(pts).T
    return float(np.polyfit(t / 3600.0, v, 1)[0])


def _web_client(url: str, token: str, done: threading.Event) -> None:
    """A page that stays: the WebSocket (state ten times a second) and /api/status each second."""
    import asyncio

    import aiohttp

    async def run():
        async with aiohttp.ClientSession() as s:
            while not done.is_set():
                try:
                    ws = await s.ws_connect(f"{url}/ws?t={token}")
                    for _ in range(60):          # reconnects once a minute, as phones do
                        if done.is_set():
                            break
                        await asyncio.sleep(1.0)
                        async with s.get(f"{url}/api/status",
                                         headers={"X-VJ-Token": token}) as r:
                            await r.read()
                        while True:              # drain what was pushed meanwhile
                            try:
                                await asyncio.wait_for(ws.receive(), 0.001)
                            except asyncio.TimeoutError:
                                break
                    await ws.close()
                except (aiohttp.ClientError, OSError):
                    await asyncio.sleep(1.0)

    asyncio.run(run())


def _dmx_desk(port_host: tuple, done: threading.Event) -> None:
    from vj.dmx import packets as P

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    i = 0
    while not done.wait(1 / 30):
        f = bytearray(512)
        f[0] = f[1] = 255                            # master full
        f[3] = (i // 30) % 200                       # intensity moving
        sock.sendto(P.artdmx(0, bytes(f)), port_host)
        i += 1


def bench_soak(*, minutes: float = 10.0, size: int = 256, model: str = "image",
               osc_port: int = 7400, sample_every: float = 10.0, web: bool = False,
               dmx: bool = False, bank_every: float | None = None, trace: bool = True,
               allocator: bool = True, progress=None) -> dict:
    """``allocator``: tune the C allocator as ``vj live`` does (vj.runtime.memory);
    False measures glibc's defaults."""
    import tracemalloc

    from pythonosc.udp_client import SimpleUDPClient

    from vj.bench.common import bench_bank, write_song
    from vj.live.show import Show, ShowConfig

    samples: list = []
    snaps: dict = {}
    done = threading.Event()
    early = min(10.0, minutes / 10.0 if minutes < 20 else 10.0)
    if allocator:
        from vj.runtime.memory import start_trimmer, tune_allocator

        tune_allocator()
        start_trimmer()
    if trace:
        tracemalloc.start(1)
    with tempfile.TemporaryDirectory(prefix="vj-soak-") as tmp:
        song = Path(tmp) / "song.wav"
        write_song(song, 60.0)
        banks = [str(bench_bank(Path(tmp) / "a", model=model, size=size))]
        if bank_every:
            banks.append(str(bench_bank(Path(tmp) / "b", model=model, size=size, keyframes=3)))
        webp = _free_port() if web else None
        cfg = ShowConfig(banks=banks, audio_file=str(song), headless=True, size=(size, size),
                         osc_host="127.0.0.1", osc_port=osc_port, loop_audio=True,
                         duration=minutes * 60.0, preset="techno",
                         web=("127.0.0.1", webp) if web else None, web_token="soak-token",
                         dmx=("artnet", 0) if dmx else None, dmx_host="127.0.0.1")
        show = Show(cfg)
        threads = []
        if web:
            threads.append(threading.Thread(target=_web_client, args=(
                f"http://127.0.0.1:{webp}", "soak-token", done), daemon=True))
        if dmx:
            threads.append(threading.Thread(target=_dmx_desk, args=(
                ("127.0.0.1", 6454), done), daemon=True))

        def desk() -> None:
            client = SimpleUDPClient("127.0.0.1", osc_port)
            t0, i = time.perf_counter(), 0
            next_sample, next_bank, b = t0, t0 + (bank_every or 0), 0
            names = None
            while not done.wait(1.0):
                addr, value = SOAK_MESSAGES[i % len(SOAK_MESSAGES)]
                client.send_message(addr, [] if value is None else value)
                i += 1
                now = time.perf_counter()
                if bank_every and now >= next_bank:
                    names = names or show.library.names()
                    b += 1
                    client.send_message("/vj/bank", names[b % len(names)])
                    next_bank += bank_every
                if trace and "early" not in snaps and now - t0 >= early * 60:
                    # kept on disk, not in memory: a snapshot of the whole heap is itself
                    # 15-20 MB, which the samples after it would count as growth
                    snaps["early"] = Path(tmp) / "early.tracemalloc"
                    tracemalloc.take_snapshot().dump(str(snaps["early"]))
                if now >= next_sample:
                    audio = show.audio.pid if show.audio is not None else None
                    m = {"show": memory_of(os.getpid()),
                         "audio": memory_of(audio) if audio else {}}
                    if trace:
                        m["show"]["traced"] = tracemalloc.get_traced_memory()[0] / 2**20
                    samples.append((now - t0, m))
                    next_sample += sample_every
                    if progress:
                        progress(now - t0, m)

        threads.append(threading.Thread(target=desk, name="vj-soak-desk", daemon=True))
        for th in threads:
            th.start()
        try:
            summary = show.run()
        finally:
            done.set()
            for th in threads:
                th.join(timeout=5.0)
            if trace:
                snaps["end"] = tracemalloc.take_snapshot()
                tracemalloc.stop()
                if "early" in snaps:
                    snaps["early"] = tracemalloc.Snapshot.load(str(snaps["early"]))
    return report(samples, summary, minutes, early, snaps)


def report(samples: list, summary, minutes: float, early: float, snaps: dict) -> dict:
    def at(minute: float, proc: str) -> dict:
        best = min(samples, key=lambda s: abs(s[0] - minute * 60.0))
        return best[1].get(proc, {})

    marks = [m for m in MARKS if m <= minutes + 1e-9] or [minutes]
    if marks[-1] < minutes:
        marks.append(minutes)
    # the heap snapshot taken at ``early`` leaves its own memory behind (pymalloc arenas
    # it fragmented, 8-13 MB here): the fit starts a minute after it
    fit_from = early + (1.0 if "early" in snaps else 0.0)
    out = {"minutes": minutes, "fps": summary.fps, "drops": summary.drops,
           "frame_ms_p99": summary.frame_ms_p99, "longest_ms": summary.longest_ms,
           "osc_packets": summary.osc_packets, "faults": summary.faults, "early_minute": early,
           "marks": {str(m): {p: at(m, p) for p in ("show", "audio")} for m in marks},
           "fit_from_minute": fit_from,
           "per_hour_after_early": {p: {k: per_hour([(t, s.get(p, {})) for t, s in samples], k,
                                                    fit_from)
                                        for k in ("rss", "heap", "anon", "gl", "traced")}
                                    for p in ("show", "audio")},
           "summary": summary.text(), "samples": samples}
    first, last = at(early, "show"), samples[-1][1]["show"] if samples else {}
    out["growth_early_to_end_mb"] = {
        "show": last.get("rss", 0) - first.get("rss", 0),
        "audio": samples[-1][1].get("audio", {}).get("rss", 0) - at(early, "audio").get("rss", 0)
        if samples else 0.0}
    if "early" in snaps and "end" in snaps:
        out["top_growers"] = growers(snaps["early"], snaps["end"])
    return out


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def write(r: dict, path: str) -> None:
    with open(path, "w") as f:
        json.dump({k: v for k, v in r.items()}, f, indent=1, default=str)
