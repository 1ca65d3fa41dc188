"""Permissions of what vj writes: a finished file or folder gets what the user's umask
gives a new one (temporary files and folders are made private, 0600 / 0700, and are
renamed into place when complete)."""
from __future__ import annotations

import os


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(path, *, directory: bool = False) -> None:
    """Give ``path`` the mode a new file (0666) or folder (0777) gets under the umask."""
    os.chmod(path, (0o777 if directory else 0o666) & ~umask())
