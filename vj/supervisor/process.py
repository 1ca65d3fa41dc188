"""The supervisor of a show (``vj live --show SHOW.toml``, unless ``--no-supervise``):
runs the show in a child process and starts it again with ``--resume`` when it dies,
however it dies: an exit code, a signal, or a hang of its render loop (no heartbeat,
vj.show.heartbeat, for ``hang_after`` seconds).  Its own state is a few numbers;
it imports no GL, torch or model (only the standard library).

The rules (an explicit state machine, as Supervisor's ``process.py``):

* a clean exit (0: the set ended, Esc twice, ``--duration``) ends the supervisor too;
* the first start failing before its first frame (a broken show file, a bank that is
  missing: the child printed its one line) is not retried;
* a death is restarted at once; more deaths, each before the show has run
  :data:`STABLE` seconds, back off (0.25 s doubling to 2 s);
* ``max_deaths`` deaths within ``window`` seconds: one line, and the supervisor stops,
  leaving the last good state on disk for ``--resume``.
"""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections import deque

STABLE = 10.0          # s of running that make a start count as good (back-off reset)
BACKOFF = (0.25, 2.0)  # s: the first delay after a quick death, and the most
HEARTBEAT_ENV = "VJ_HEARTBEAT_FD"


def _say(text: str) -> None:
    print(f"vj: supervisor: {text}", file=sys.stderr, flush=True)


class Supervisor:
    def __init__(self, child_argv: list[str], *, hang_after: float = 5.0,
                 start_timeout: float = 120.0, max_deaths: int = 5, window: float = 60.0,
                 state_hint: str = "", command=None) -> None:
        self.argv = list(child_argv)
        #: callable(restarts) -> the child's command line (default: vj live, resumed)
        self.command = command or self._command
        self.hang_after, self.start_timeout = hang_after, start_timeout
        self.max_deaths, self.window = max_deaths, window
        self.state_hint = state_hint
        self.deaths: deque = deque(maxlen=max_deaths)
        self.restarts = 0
        self.child: subprocess.Popen | None = None
        self.died_at = 0.0
        self.stopping = False

    def _command(self, restarts: int) -> list[str]:
        argv = list(self.argv)
        if restarts and "--resume" not in argv:
            argv.append("--resume")
        return [sys.executable, "-m", "vj", "live", *argv, "--no-supervise"]

    def _signal(self, signum, frame) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            try:
                self.child.send_signal(signal.SIGINT)   # the show closes cleanly
            except OSError:
                pass

    def run(self) -> int:
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, self._signal)
        quick, ever_ran = 0, False
        while True:
            started = time.monotonic()
            code, why, ran = self._once()
            if self.stopping:          # the operator's Ctrl-C or a TERM: the show was told to close
                return 0 if code in (None, 0, 130) or code < 0 else code
            if code == 0:
                return 0
            if not ran and not ever_ran and self.restarts == 0 and why == "exit":
                return code          # the show never started: its own line said why
            ever_ran = ever_ran or ran
            now = time.monotonic()
            self.deaths.append(now)
            what = {"exit": f"exit code {code}", "signal": f"killed by signal {-code}",
                    "hang": f"no frame for {self.hang_after:g} s",
                    "start": f"no first frame in {self.start_timeout:g} s"}[why]
            if len(self.deaths) >= self.max_deaths and now - self.deaths[0] <= self.window:
                _say(f"the show died {len(self.deaths)} times in {now - self.deaths[0]:.0f} s "
                     f"(last: {what}); stopped trying. {self.state_hint}".rstrip())
                return 1
            # the first death after a good run restarts at once; more quick ones back off
            quick = 1 if now - started >= STABLE else quick + 1
            wait = 0.0 if quick == 1 else min(BACKOFF[0] * 2 ** (quick - 2), BACKOFF[1])
            self.died_at = now
            self.restarts += 1
            _say(f"the show died ({what}); restart {self.restarts}"
                 + (f" in {wait:.2f} s" if wait else ""))
            if wait:
                time.sleep(wait)

    def _once(self) -> tuple[int | None, str, bool]:
        """Run the show once: (exit code, how it ended, whether it drew a frame)."""
        r, w = os.pipe()
        env = {**os.environ, HEARTBEAT_ENV: str(w), "VJ_RESTARTS": str(self.restarts),
               "VJ_SUPERVISED": "1"}
        self.child = subprocess.Popen(self.command(self.restarts), pass_fds=(w,), env=env,
                                      start_new_session=True)
        os.close(w)
        t0 = last = time.monotonic()
        ran = False
        try:
            while True:
                ready, _, _ = select.select([r], [], [], 0.05)
                now = time.monotonic()
                if ready:
                    try:
                        data = os.read(r, 4096)
                    except OSError:
                        data = b""
                    if data:
                        if not ran and self.restarts:
                            _say(f"the show is back: first frame {now - self.died_at:.2f} s "
                                 f"after the death (restart {self.restarts})")
                        last, ran = now, True
                code = self.child.poll()
                if code is not None:
                    self._kill()        # what it left behind (its audio processes)
                    return code, ("signal" if code < 0 else "exit"), ran
                if self.stopping:
                    continue
                if (ran and now - last > self.hang_after) or \
                        (not ran and now - t0 > self.start_timeout):
                    self._kill()
                    return self.child.returncode, ("hang" if ran else "start"), ran
        finally:
            os.close(r)

    def _kill(self) -> None:
        """The child and everything it started (its audio processes): SIGKILL."""
        try:
            os.killpg(self.child.pid, signal.SIGKILL)
        except OSError:       # none left
            pass
        self.child.wait()
