"""The audio process: ``python -m vj.engine.child`` (started by vj.engine.host).

It opens the input (a device by name, or a file played from the show's start time),
and then loops: the capture fills its ring, :class:`~vj.engine.analysis.HopAnalysis`
publishes each hop on the shared board, the heartbeat says it is alive.  Faults go
to the show as JSON lines on stdout.  It leaves with ``os._exit`` (never waiting on
PortAudio): when the input is lost (the show starts a fresh process, which finds the
device again by name), when the show closes its stdin, or when the show is gone.
Started with ``--spare`` it prepares (imports, a file decoded, the analysis built) at
the lowest priority and waits for ``go`` (vj.engine.launch).
"""
from __future__ import annotations

import argparse
import json
import mmap
import os
import threading
import time

from vj.engine.channel import EXIT_DONE, EXIT_ERROR, EXIT_LOST, GO, PLAY, STARTED, Channel, watch_parent

#: Longest pause between two attempts to open a device that is not there (they start
#: at 0.25 s and double): a device that comes back is found within about this long.
RETRY_MAX = 1.0

#: The nice value the audio process asks for once it runs (pro-audio set-ups allow it
#: through RLIMIT_NICE, e.g. the ``audio`` group's limits.conf); refused quietly.
NICE = -10


def _raise_priority() -> int:
    """Ask for :data:`NICE` for this thread and the ones it starts (PortAudio's, the file
    feeder): on a loaded machine the scheduler then runs the audio first.  Returns the
    nice value it runs at."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, NICE)
    except (AttributeError, OSError):   # not allowed, or not POSIX: the default priority
        pass
    try:
        return os.getpriority(os.PRIO_PROCESS, 0)
    except (AttributeError, OSError):
        return 0


def _decode(args, ch: Channel):
    """A file input's samples (a user's error: reported, exit)."""
    from vj.audio.sources import FileSource
    from vj.errors import VjError

    try:
        if args.ltc_channel is not None:     # (n, 2): the music, then its LTC
            from vj.audio.ltc import load_with_ltc

            return load_with_ltc(args.file, args.ltc_channel, sr=args.sr)
        return FileSource(args.file, sr=args.sr).samples
    except VjError as e:
        ch.send("error", msg=str(e))
        os._exit(EXIT_ERROR)


def _open(args, ch: Channel, board, samples):
    """The input: a file's decoded ``samples``, or the device (``--strict``: a user's
    error is reported and the process leaves; otherwise it retries)."""
    from vj.engine import board as B
    from vj.errors import VjError

    if args.file:
        from vj.engine.capture import FileInput

        return FileInput(samples, sr=args.sr, loop=args.loop, report=ch.report)
    from vj.engine.capture import DeviceInput, reinit_portaudio

    pick = [int(x) for x in args.pick.split(",")] if args.pick else None
    if args.ltc_channel is not None:      # the music's channels, then the LTC channel last
        pick = [c for c in (pick or [0, 1]) if c != args.ltc_channel] + [args.ltc_channel]
    backoff, first = 0.25, True
    while True:
        board.ints[B.I_PHASE] = B.OPENING
        board.floats[B.F_HEARTBEAT] = time.perf_counter()
        try:
            if not first:
                reinit_portaudio()
            return DeviceInput(args.device, pick=pick)
        except Exception as e:
            why = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
            if args.strict:
                ch.send("error", msg=why if isinstance(e, VjError) else
                        f"audio input {args.device!r}: cannot start ({why})")
                os._exit(EXIT_ERROR)
            ch.report("input", f"audio input {args.device!r} unavailable ({why}); retrying")
        first = False
        board.ints[B.I_PHASE] = B.WAITING
        end = time.perf_counter() + backoff
        while time.perf_counter() < end:
            board.floats[B.F_HEARTBEAT] = time.perf_counter()
            time.sleep(0.05)
        backoff = min(backoff * 2, RETRY_MAX)


#: A spare prepares at this nice value where Linux's idle policy (SCHED_IDLE) is refused.
IDLE_NICE = 19


def _idle_thread() -> None:
    """This thread (and those it starts) runs only when a CPU has nothing else to do:
    the idle policy where there is one (any user may take it), else nice 19.  Linux
    keeps both per thread, so the thread that later runs the audio is not touched."""
    tid = threading.get_native_id()
    try:
        os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
        return
    except (AttributeError, OSError):
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, tid, IDLE_NICE)
    except (AttributeError, OSError):
        pass


def _prepare(args, ch: Channel, idle: bool = False):
    """Imports, a file decoded, the analysis engine built.  ``idle``: a spare's, in a
    thread of its own that takes no CPU the show wants (:func:`_idle_thread`)."""
    if idle:
        _idle_thread()
    from vj.audio.energy import EnergyParams
    from vj.audio.streaming import StreamingEnergy
    from vj.engine import analysis, capture  # noqa: F401  (before the input opens)
    from vj.runtime import chaos

    chaos.arm(t0=args.chaos_t0)
    params = json.loads(args.params)
    params = EnergyParams(**{k: tuple(v) if isinstance(v, list) else v
                             for k, v in params.items()})
    args.sr = params.sr
    samples = _decode(args, ch) if args.file else None
    if args.spare:
        import soxr  # noqa: F401  (a device at another rate)
    return params, samples, StreamingEnergy(params)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vj.engine.child")
    ap.add_argument("--board-fd", type=int)
    ap.add_argument("--board-path")
    ap.add_argument("--history", type=int, required=True)
    ap.add_argument("--params", required=True, help="EnergyParams as JSON")
    ap.add_argument("--file")
    ap.add_argument("--loop", action="store_true")
    ap.add_argument("--device")
    ap.add_argument("--pick", help="0-based channels, comma-separated")
    ap.add_argument("--ltc-channel", type=int, help="0-based channel carrying LTC")
    ap.add_argument("--start-wall", type=float, help="files: sample 0 fed at this time")
    ap.add_argument("--strict", action="store_true", help="the show's first start")
    ap.add_argument("--spare", action="store_true",
                    help="import (and decode a file), then wait for 'go' on stdin")
    ap.add_argument("--chaos-t0", type=float)
    ap.add_argument("--ppid", type=int, required=True)
    args = ap.parse_args(argv)

    threading.Thread(target=watch_parent, args=(args.ppid,), daemon=True,
                     name="vj-engine-parent").start()
    ch = Channel()
    if args.spare:     # prepared when the CPUs are idle, then the word is awaited
        box: list = []
        prep = threading.Thread(target=lambda: box.append(_prepare(args, ch, idle=True)),
                                name="vj-engine-prepare", daemon=True)
        prep.start()
        prep.join()
        if not box:    # it failed (its traceback on stderr): the show restarts cold
            os._exit(EXIT_ERROR)
        ch.send("spare")
        GO.wait()      # nothing of the show's is touched before it
        if PLAY:
            args.start_wall = PLAY[0]
        params, samples, engine = box[0]
    else:
        params, samples, engine = _prepare(args, ch)
    from vj.engine import board as B
    from vj.engine.analysis import HopAnalysis

    nice = _raise_priority()
    from vj.engine.board import board_size

    size = board_size(args.history)
    if args.board_fd is not None:
        mm = mmap.mmap(args.board_fd, size)
    else:
        with open(args.board_path, "r+b") as f:
            mm = mmap.mmap(f.fileno(), size)
    board = B.Board(mm, args.history)
    board.ints[B.I_PID] = os.getpid()
    board.ints[B.I_PHASE] = B.STARTING
    board.floats[B.F_LAST_PUBLISHED] = 0.0   # a restart's pause is not a publication gap
    board.floats[B.F_HEARTBEAT] = time.perf_counter()
    src = _open(args, ch, board, samples)
    ltc = None
    if args.ltc_channel is not None:
        from vj.audio.ltc import LtcDecoder

        try:
            ltc = LtcDecoder(src.rate)
        except Exception as e:           # no libltc: the show hears the music all the same
            ch.report("input", f"no timecode: {e}")
    analysis = HopAnalysis(src, params, board, engine, ltc=ltc)
    tap = os.environ.get("VJ_AUDIO_TAP")
    if tap:   # diagnostics: what was analysed and published, hop by hop (tests)
        os.makedirs(tap, exist_ok=True)
        analysis.tap = tuple(open(os.path.join(tap, f"{name}-{os.getpid()}.{kind}"), "wb",
                                  buffering=0)
                             for name, kind in (("analysed", "f32"), ("energy", "f64"),
                                                ("published", "f64")))
    board.floats[B.F_RATE] = src.rate
    ch.send("ready", name=src.name, rate=src.rate, channels=src.ring.channels,
            kind="file" if args.file else "device", nice=nice)
    if args.file:
        if args.start_wall is None:     # the show says when its first frame is
            board.ints[B.I_PHASE] = B.WAITING
            while not STARTED.wait(0.05):
                board.floats[B.F_HEARTBEAT] = time.perf_counter()
            args.start_wall = PLAY[0]
        board.floats[B.F_START_WALL] = args.start_wall
        src.play(args.start_wall)
    return run(src, analysis, board, ch, args.ppid)


def run(src, analysis, board, ch, ppid: int) -> int:
    from vj.engine import board as B

    board.ints[B.I_PHASE] = B.RUNNING
    floats, ints = board.floats, board.ints
    heard = ended = False
    status0 = 0
    next_check = 0.0
    while True:
        now = time.perf_counter()
        floats[B.F_HEARTBEAT] = now
        try:
            n = analysis.pump(now)
            if n and "analysis" in ch.active:
                ch.clear("analysis", "analysis running again")
        except Exception as e:   # report, start again on a clean engine
            ch.report("analysis", f"analysis failed ({e}); restarted")
            analysis.reset()
            n = 0
        if now >= next_check:      # ten times a second
            next_check = now + 0.1
            if os.getppid() != ppid:
                os._exit(EXIT_DONE)
            if src.status_flags != status0:
                ints[B.I_STATUS] += src.status_flags - status0
                status0 = src.status_flags
            try:
                why = src.lost(now)
            except Exception as e:   # the watchdog itself failed: treat as lost
                why = f"audio input check failed: {e}"
            if why is not None:
                ch.report("input", why + "; reconnecting")
                os._exit(EXIT_LOST)       # never stop() a lost stream: it can hang
            if not heard and getattr(src, "last_callback", 1.0) > 0.0:
                heard = True          # the show clears an input fault of an earlier process
                ch.send("heard")
            if getattr(src, "finished", False) and not ended:
                ended = True
                ch.send("ended")
        if n == 0:
            time.sleep(0.001)


if __name__ == "__main__":
    code = EXIT_DONE
    try:
        main()
    except KeyboardInterrupt:
        pass
    except BaseException:     # a bug: its traceback on stderr, and the show starts another
        import traceback

        traceback.print_exc()
        code = 1
    os._exit(code)
