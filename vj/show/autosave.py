"""The live state saved as it changes, at most once a second, and read back by
``--resume``.  The render loop only hands a small dict to :class:`Writer`, whose
thread writes it atomically (vj.runtime.state.write_atomic): a crash mid-write
leaves the previous state, never a broken file.

The state file (JSON) of a show file lives in vj's state folder,
``shows/<name>-<hash of its path>.json``: the song, the cue, preset, bank (its
folder), the levels, effects, refinement, fit, HUD, blackout, crossfade and the
keyframe position, with the time it was saved.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from pathlib import Path

from vj.runtime.state import state_dir, write_atomic

log = logging.getLogger("vj.show")

VERSION = 1
INTERVAL = 1.0        # s: at most one save a second


def state_path(show_file: str | Path) -> Path:
    p = Path(show_file).resolve()
    h = hashlib.sha1(str(p).encode()).hexdigest()[:10]
    return state_dir("shows") / f"{p.stem}-{h}.json"


def load_state(path: Path) -> tuple[dict | None, str]:
    """The saved state, or (None, why not) for a missing or unreadable file."""
    try:
        d = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None, "no saved state yet"
    except (OSError, ValueError) as e:
        return None, f"the saved state {path} cannot be read ({e})"
    if not isinstance(d, dict) or d.get("version") != VERSION:
        return None, f"the saved state {path} is of another version"
    return d, ""


class Writer:
    """One thread that writes files whole; the newest content per path wins."""

    def __init__(self, faults=None) -> None:
        self.faults = faults
        self._pending: dict[Path, bytes] = {}
        self._cv = threading.Condition()
        self._stop = False
        self.writes = 0
        self._thread = threading.Thread(target=self._run, name="vj-autosave", daemon=True)
        self._thread.start()

    def put(self, path: Path, data: bytes) -> None:
        with self._cv:
            self._pending[path] = data
            self._cv.notify()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._pending and not self._stop:
                    self._cv.wait()
                if not self._pending and self._stop:
                    return
                path, data = self._pending.popitem()
            self._write(path, data)

    def _write(self, path: Path, data: bytes) -> None:
        try:
            write_atomic(path, data)
            self.writes += 1
            if self.faults is not None and self.faults.active("autosave"):
                self.faults.clear("autosave", "saving works again")
        except OSError as e:       # a full or read-only disk: the show goes on
            if self.faults is not None:
                self.faults.report("autosave", f"cannot save {path.name} ({e.strerror or e})")

    def close(self) -> None:
        """Write what is pending, then stop."""
        with self._cv:
            self._stop = True
            self._cv.notify()
        self._thread.join(timeout=5.0)


class Autosave:
    def __init__(self, path: Path, writer: Writer, interval: float = INTERVAL) -> None:
        self.path, self.writer, self.interval = Path(path), writer, interval
        self.last: dict | None = None
        self.at = -1e9

    def update(self, snapshot: dict, now: float) -> bool:
        """Hand ``snapshot`` to the writer if it changed and the last save is
        ``interval`` old; returns whether it did."""
        if snapshot == self.last or now - self.at < self.interval:
            return False
        self.last, self.at = snapshot, now
        self.writer.put(self.path, encode(snapshot))
        return True


def encode(snapshot: dict) -> bytes:
    return (json.dumps({"version": VERSION, **snapshot, "saved_at": time.time()},
                       indent=1) + "\n").encode()
