"""The files vj writes and reads back: permissions (a finished file or folder gets what
the user's umask gives a new one; temporary files and folders are made private, 0600 /
0700, and are renamed into place when complete) and content hashes."""
from __future__ import annotations

import hashlib
import os


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(path, *, directory: bool = False) -> None:
    """Give ``path`` the mode a new file (0666) or folder (0777) gets under the umask."""
    os.chmod(path, (0o777 if directory else 0o666) & ~umask())


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
