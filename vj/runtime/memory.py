"""The C allocator of a long show (issue 43).  A two-hour soak traced the Python heap
flat while glibc's brk heap grew in 1 MB steps (43.7 -> 52.5 MB in 28 minutes):
blocks freed but not given back, because glibc raises its mmap threshold each time a
large block is freed, so the next ones of that size (frames, JPEG buffers, HUD
images: 50 kB-1 MB, on the decode, web and HUD threads) come from the heap and
fragment it.  :func:`tune_allocator` fixes the threshold (blocks of 128 kB and more
are mapped and unmapped whole) and the trim threshold; :func:`start_trimmer` gives
free heap pages back once a minute from a thread of its own.  glibc only (Linux);
elsewhere nothing happens."""
from __future__ import annotations

import ctypes
import ctypes.util
import threading

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 128 * 1024          # glibc's own starting value, kept fixed
TRIM_THRESHOLD = 1 << 20
TRIM_EVERY = 60.0                    # s


def _libc():
    name = ctypes.util.find_library("c")
    try:
        lib = ctypes.CDLL(name or "libc.so.6")
        lib.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.malloc_trim.argtypes = [ctypes.c_size_t]
        return lib
    except (OSError, AttributeError):
        return None


def tune_allocator() -> bool:
    """Fixed mmap and trim thresholds (True where glibc took them)."""
    lib = _libc()
    if lib is None:
        return False
    return bool(lib.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(lib.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def trim() -> bool:
    """Give free heap pages back to the system now (True where some were)."""
    lib = _libc()
    return bool(lib.malloc_trim(0)) if lib is not None else False


def start_trimmer(every: float = TRIM_EVERY) -> threading.Event | None:
    """:func:`trim` every ``every`` seconds on a daemon thread; set the returned event
    to stop it (None where there is no glibc)."""
    if _libc() is None:
        return None
    stop = threading.Event()

    def run():
        while not stop.wait(every):
            trim()

    threading.Thread(target=run, name="vj-malloc-trim", daemon=True).start()
    return stop
