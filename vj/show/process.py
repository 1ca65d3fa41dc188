"""The show process's edges towards whoever runs it: the render loop's heartbeat to its
supervisor (vj.supervisor), a byte down a pipe every :data:`EVERY` seconds of frames
drawn (no beat for a while is a hang; the first beat is the first frame; without
``$VJ_HEARTBEAT_FD`` it does nothing; it never blocks), the signals that end a show
cleanly, and how often it was restarted."""
from __future__ import annotations

import os

EVERY = 0.25          # s
ENV = "VJ_HEARTBEAT_FD"


class Heartbeat:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.next = 0.0
        os.set_blocking(fd, False)

    @classmethod
    def from_env(cls) -> "Heartbeat | None":
        fd = os.environ.get(ENV)
        if not fd:
            return None
        try:
            return cls(int(fd))
        except (ValueError, OSError):
            return None

    def beat(self, now: float) -> None:
        if now < self.next or self.fd < 0:
            return
        self.next = now + EVERY
        try:
            os.write(self.fd, b".")
        except BlockingIOError:
            pass
        except OSError:            # the supervisor is gone: the show goes on alone
            self.fd = -1


def stop_on_signals(show) -> None:
    """Ctrl-C or a TERM (systemd, the supervisor) ends the show as --duration does: the
    loop stops, the state is saved, the summary printed; a second one interrupts."""
    import signal

    def stop(signum, frame):
        if show.controls.quit:
            raise KeyboardInterrupt
        show.controls.quit = True

    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, stop)


def restarts() -> int:
    """How often the supervisor has started this show again (0: the first run)."""
    try:
        return max(0, int(os.environ.get("VJ_RESTARTS", "0")))
    except ValueError:
        return 0


def add_show_options(p) -> None:
    """``vj live``'s options of a whole set (docs/live.md, "Running a set")."""
    import argparse

    from vj.options import positive_float, ranged

    p.add_argument("--show", metavar="SHOW.toml",
                   help="run a set from a show file: its songs, cues and options (the command "
                   "line overrides them); supervised unless --no-supervise (vj show new "
                   "writes one)")
    p.add_argument("--resume", action="store_true",
                   help="with --show: start where the last run stopped (song, cue, preset, "
                   "bank, levels, effects)")
    p.add_argument("--supervise", action=argparse.BooleanOptionalAction, default=None,
                   help="run the show in a child process and start it again (with --resume) "
                   "when it dies or hangs (default with --show; without one the show starts "
                   "again as the command line says)")
    p.add_argument("--hang-after", type=positive_float, default=5.0, metavar="S",
                   help="supervised: no frame for S seconds is a hang (default 5)")
    p.add_argument("--advance", choices=["off", "on-silence"], default="off",
                   help="with --show: on-silence starts the next song when the music stops "
                   "for --silence-after seconds and comes back (a DJ set or a band without "
                   "timecode; default off)")
    p.add_argument("--silence-after", type=positive_float, default=4.0, metavar="S",
                   help="seconds of silence between two songs for --advance (default 4)")
    p.add_argument("--timecode", choices=["off", "mtc", "ltc"], default="off",
                   help="with --show: chase timecode, MIDI Time Code from --midi-in (mtc) or "
                   "linear timecode on --ltc-channel (ltc): songs and cues with a timecode "
                   "start when it passes them")
    p.add_argument("--ltc-channel", type=ranged(int, 1, 64), metavar="N",
                   help="the input's (or --audio-file's) channel that carries LTC, from 1; "
                   "the music is the others (--input-channels)")
    p.add_argument("--timecode-freewheel", type=ranged(int, 0, 300), default=30,
                   metavar="FRAMES", help="frames of timecode dropout run through before "
                   "the chase stops (default 30)")
