"""Keyframe banks on disk (docs/design.md, section 4).

A bank is a folder::

    manifest.json          what the bank is and how it was made
    latents.safetensors    tensor "latents" [N, C, h, w] (model mode)
                           or "images" uint8 [N, H, W, 3] (image mode)
    thumbs/000.png ...     one picture per keyframe

:func:`load_bank` validates everything and raises :class:`BankError` naming
the file and the field; :func:`save_bank` writes to a temporary folder and
renames it, so a crash never leaves a half-written bank behind.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vj.errors import BankError
from vj.runtime.files import publish

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TENSORS = "latents.safetensors"
MODES = ("image", "latent")


@dataclass
class Bank:
    """Keyframes and their manifest, in memory."""

    mode: str                    # "image" or "latent"
    frames: np.ndarray           # uint8 [N, H, W, 3] or float [N, C, h, w]
    manifest: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def count(self) -> int:
        return int(self.frames.shape[0])

    @property
    def name(self) -> str:
        return self.path.name if self.path else self.manifest.get("name", "bank")

    @property
    def size(self) -> tuple[int, int]:
        return int(self.manifest["width"]), int(self.manifest["height"])


def make_manifest(mode: str, frames: np.ndarray, *, width: int, height: int, **fields) -> dict:
    m = {
        "format_version": FORMAT_VERSION,
        "mode": mode,
        "width": int(width),
        "height": int(height),
        "count": int(frames.shape[0]),
        "shape": [int(x) for x in frames.shape],
        "dtype": str(frames.dtype),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    m.update(fields)
    return m


def save_bank(bank: Bank, folder: str | os.PathLike, *, thumbs: list | None = None,
              force: bool = False) -> Path:
    """Write ``bank`` to ``folder``.  ``thumbs`` are PIL images (defaults to the
    frames themselves in image mode).  Refuses an existing folder unless ``force``."""
    from PIL import Image
    from safetensors.numpy import save_file

    folder = Path(folder)
    if folder.exists() and not force:
        raise BankError(f"{folder}: already exists (use --force to replace it)")
    if folder.exists() and not (folder / MANIFEST).exists() and any(folder.iterdir()):
        raise BankError(f"{folder}: exists and is not a bank; refusing to replace it")
    _check_frames(bank.mode, bank.frames, folder / TENSORS)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        key = "images" if bank.mode == "image" else "latents"
        save_file({key: np.ascontiguousarray(bank.frames)}, str(tmp / TENSORS))
        (tmp / "thumbs").mkdir()
        if thumbs is None and bank.mode == "image":
            thumbs = [Image.fromarray(f) for f in bank.frames]
        for i, im in enumerate(thumbs or []):
            im.save(tmp / "thumbs" / f"{i:03d}.png")
        (tmp / MANIFEST).write_text(json.dumps(bank.manifest, indent=2) + "\n")
        publish(tmp, directory=True)   # mkdtemp made it 0700
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    bank.path = folder
    return folder


def _check_frames(mode: str, frames: np.ndarray, where: Path) -> None:
    if mode == "image":
        if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
            raise BankError(f"{where}: field 'images' must be uint8 [N, H, W, 3], got "
                            f"{frames.dtype} {list(frames.shape)}")
    elif mode == "latent":
        if frames.ndim != 4 or not np.issubdtype(frames.dtype, np.floating):
            raise BankError(f"{where}: field 'latents' must be float [N, C, h, w], got "
                            f"{frames.dtype} {list(frames.shape)}")
    else:
        raise BankError(f"{where}: mode {mode!r} is not one of {', '.join(MODES)}")
    if frames.shape[0] < 1:
        raise BankError(f"{where}: the bank has no keyframes")


def load_bank(folder: str | os.PathLike) -> Bank:
    """Read and validate a bank folder."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    folder = Path(folder)
    if not folder.is_dir():
        raise BankError(f"{folder}: no such bank folder")
    mpath = folder / MANIFEST
    if not mpath.is_file():
        raise BankError(f"{mpath}: missing (is {folder} a bank made by 'vj prepare'?)")
    try:
        m = json.loads(mpath.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise BankError(f"{mpath}: not valid JSON ({e})") from None
    if not isinstance(m, dict):
        raise BankError(f"{mpath}: must hold a JSON object")

    def field_(name, kind):
        if name not in m:
            raise BankError(f"{mpath}: field '{name}' is missing")
        if not isinstance(m[name], kind):
            raise BankError(f"{mpath}: field '{name}' has the wrong type ({m[name]!r})")
        return m[name]

    version = field_("format_version", int)
    if version > FORMAT_VERSION:
        raise BankError(f"{mpath}: field 'format_version' is {version}; this vj reads up to "
                        f"{FORMAT_VERSION} (upgrade vj)")
    mode = field_("mode", str)
    if mode not in MODES:
        raise BankError(f"{mpath}: field 'mode' is {mode!r}, expected one of {', '.join(MODES)}")
    shape = field_("shape", list)
    field_("width", int)
    field_("height", int)

    tpath = folder / TENSORS
    if not tpath.is_file():
        raise BankError(f"{tpath}: missing")
    key = "images" if mode == "image" else "latents"
    try:
        tensors = load_file(str(tpath))
    except (SafetensorError, OSError, ValueError) as e:
        raise BankError(f"{tpath}: unreadable or truncated ({e})") from None
    if key not in tensors:
        raise BankError(f"{tpath}: tensor '{key}' is missing (has {', '.join(tensors) or 'none'})")
    frames = tensors[key]
    _check_frames(mode, frames, tpath)
    if list(frames.shape) != shape:
        raise BankError(f"{mpath}: field 'shape' is {shape} but {TENSORS} holds "
                        f"{list(frames.shape)}")
    if mode == "image" and (frames.shape[2], frames.shape[1]) != (m["width"], m["height"]):
        raise BankError(f"{mpath}: fields 'width'/'height' are {m['width']}x{m['height']} but "
                        f"the images are {frames.shape[2]}x{frames.shape[1]}")
    if m.get("dtype") is not None and m["dtype"] != str(frames.dtype):
        raise BankError(f"{mpath}: field 'dtype' is {m['dtype']!r} but {TENSORS} holds "
                        f"{frames.dtype}")
    return Bank(mode, frames, m, folder)
