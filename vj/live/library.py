"""Banks and their frame sources, prepared off the render thread.

Banks are keyed by their resolved path (two folders with the same manifest name
get distinct names).  A frame source (a decoder) is prepared on the loader thread:
bank loading, model loading, compile or export, one warm-up frame.  The render loop
asks :meth:`Library.source` every frame and switches only when a source is ready;
until then the current picture keeps playing.  At most ``max_open`` decoders stay
open, least recently used out (GPU memory is freed).  Any exception there, an
out-of-memory included, becomes a fault and a fallback to the bank's keyframe
pictures, never the end of the show.
"""
from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from pathlib import Path

from vj.bank import Bank, load_bank
from vj.errors import VjError
from vj.live.faults import Faults
from vj.runtime import chaos

log = logging.getLogger("vj.live")

#: Pending loader jobs at most; more are refused (counted as faults).
QUEUE_SIZE = 8


def bank_name(bank: Bank, path: Path) -> str:
    return bank.manifest.get("name") or path.name


class Library:
    def __init__(self, faults: Faults, *, decoder: str = "auto", device: str = "auto",
                 roots=(), max_open: int = 3) -> None:
        self.faults, self.decoder, self.device = faults, decoder, device
        self.roots = [Path(r).resolve() for r in roots]
        self.max_open = max(1, int(max_open))
        self.banks: dict[str, Bank] = {}          # name -> bank
        self.paths: dict[Path, str] = {}          # resolved path -> name
        self.sources: OrderedDict = OrderedDict()  # name -> ready source (LRU order)
        self._placeholders: dict[str, object] = {}
        self._lock = threading.Lock()
        self._jobs: queue.Queue = queue.Queue(QUEUE_SIZE)
        self._pending: set = set()
        self.events: queue.SimpleQueue = queue.SimpleQueue()  # ("loaded" | "ready", name)
        #: called on the loader with (name, bank) as a bank's source opens (vj.live.refining)
        self.on_open = None
        self.keep: set = set()                    # names the show is using: never evicted
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vj-loader", daemon=True)

    # -- banks ---------------------------------------------------------------------------------
    def add(self, path) -> str:
        """Load the bank at ``path`` now (start-up); returns its name."""
        p = Path(path).resolve()
        if p in self.paths:
            return self.paths[p]
        bank = load_bank(p)
        with self._lock:
            name = bank_name(bank, p)
            base, i = name, 2
            while name in self.banks:
                name, i = f"{base}-{i}", i + 1
            self.banks[name] = bank
            self.paths[p] = name
        return name

    def names(self) -> list[str]:
        with self._lock:
            return list(self.banks)

    def folder_allowed(self, text: str) -> bool:
        """A folder a desk may load with /vj/bank: under one of the --bank-dir roots."""
        if not self.roots:
            return False
        try:
            p = Path(text).resolve()
        except (OSError, ValueError):
            return False
        return p.is_dir() and any(p == r or r in p.parents for r in self.roots)

    # -- sources -------------------------------------------------------------------------------
    def source(self, name: str):
        """The ready frame source of bank ``name``, or None while it is prepared."""
        with self._lock:
            src = self.sources.get(name)
            if src is not None:
                self.sources.move_to_end(name)
                return src
        self.submit("open", name)
        return None

    def placeholder(self, name: str):
        """The bank's keyframe pictures while its decoder is prepared (None if it has none)."""
        if name not in self._placeholders:
            from vj.decode import thumbnails

            try:
                self._placeholders[name] = thumbnails(self.banks[name])
            except Exception:
                self._placeholders[name] = None
        return self._placeholders[name]

    def fallback(self, source):
        """The decode worker's fallback for a failed ``source``: its bank's pictures."""
        from vj.decode import thumbnails

        name = getattr(source, "vj_bank", None)
        if name is None or name not in self.banks:
            return None
        if getattr(source, "name", "") == "image":
            return None  # the pictures themselves failed: nothing simpler to show
        repl = thumbnails(self.banks[name])
        repl.vj_bank = name
        repl.name = "image (fallback)"
        with self._lock:
            self.sources[name] = repl
        return repl

    # -- loader thread ---------------------------------------------------------------------------
    def submit(self, kind: str, arg: str) -> bool:
        """Queue a job unless the same one is pending; False when the queue is full."""
        key = (kind, arg)
        with self._lock:
            if key in self._pending:
                return True
            try:
                self._jobs.put_nowait(key)
            except queue.Full:
                self.faults.report("loader", "too many bank requests at once; some ignored")
                return False
            self._pending.add(key)
        return True

    def start(self) -> "Library":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._halt.is_set():
            try:
                key = self._jobs.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                chaos.check("loader")
                if key[0] == "load":
                    self._load(key[1])
                else:
                    self._open(key[1])
            except Exception as e:  # never the end of the show
                self.faults.report("loader", f"{key[0]} {key[1]}: {str(e)[:160]}")
            finally:
                with self._lock:
                    self._pending.discard(key)

    def _load(self, folder: str) -> None:
        try:
            name = self.add(folder)
        except VjError as e:
            self.faults.report("loader", f"bank {folder} refused ({e}); the current bank stays")
            return
        self.events.put(("loaded", name))

    def _open(self, name: str) -> None:
        from vj.decode import open_frames

        bank = self.banks[name]
        try:
            src = open_frames(bank, self.decoder, self.device)
            src.frame(0, 0.0)  # warm-up: the first call pays for lazy initialisation
        except Exception as e:
            src = self.placeholder(name)
            if src is None:
                self.faults.report("loader", f"bank {name}: no decoder ({str(e)[:120]}) and "
                                   "no keyframe pictures; it cannot be shown")
                return
            self.faults.report("loader", f"bank {name}: decoder failed ({str(e)[:120]}); "
                               "showing its keyframe pictures")
            src.name = "image (fallback)"
        src.vj_bank = name
        if self.on_open is not None:   # the refine stage embeds the bank's prompts here
            self.on_open(name, bank)
        with self._lock:
            self.sources[name] = src
            self._evict()
        self.events.put(("ready", name))

    def prepare(self, names) -> None:
        """Prepare these banks' sources now (before the show's loop: decoder loading,
        compiling and exporting hold the interpreter, so they are done up front for the
        banks named at start; banks loaded later are prepared on the loader thread)."""
        for name in list(names)[: self.max_open]:
            try:
                self._open(name)
            except Exception as e:
                self.faults.report("loader", f"bank {name}: {str(e)[:160]}")

    def _evict(self) -> None:
        """Drop least recently used sources past ``max_open`` (lock held)."""
        evicted = False
        for name in list(self.sources):
            if len(self.sources) <= self.max_open:
                break
            if name not in self.keep:
                del self.sources[name]
                evicted = True
        if evicted:
            try:
                import torch

                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
            except Exception:
                pass

    def stop(self) -> None:
        self._halt.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)
