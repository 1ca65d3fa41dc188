"""vj's cache folder: exported ONNX models, TensorRT engines, the prompts of songs
(``$VJ_CACHE``, else ``$XDG_CACHE_HOME/vj``, else ``~/.cache/vj``)."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir(sub: str | None = None) -> Path:
    """The cache folder (``sub``: a folder in it), made if it is not there."""
    base = os.environ.get("VJ_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "vj")
    p = Path(base) / sub if sub else Path(base)
    p.mkdir(parents=True, exist_ok=True)
    return p
