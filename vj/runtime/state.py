"""vj's state folder: what a show keeps between runs (the web remote's token, the
autosaved live state of each show file).  ``$VJ_STATE``, else
``$XDG_STATE_HOME/vj``, else ``~/.local/state/vj``; private (0700).

:func:`write_atomic` is how everything in it is written: a temporary file in the
same folder, fsync, rename over the old one, fsync of the folder.  A crash at any
moment leaves the old file or the new one, never a broken one."""
from __future__ import annotations

import os
from pathlib import Path


def state_dir(sub: str | None = None) -> Path:
    """The state folder (``sub``: a folder in it), made private if it is not there."""
    base = os.environ.get("VJ_STATE") or os.path.join(
        os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                         "state"), "vj")
    p = Path(base) / sub if sub else Path(base)
    p.mkdir(parents=True, exist_ok=True, mode=0o700)
    return p


def write_atomic(path: str | os.PathLike, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` whole: the old content or the new one survives
    any crash (temporary file, fsync, rename, fsync of the folder)."""
    path = Path(path)
    # one temporary name per file (one writer each): a crash mid-write leaves at most
    # this one behind, which the next save truncates, never a growing litter of them
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
