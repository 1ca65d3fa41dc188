"""`vj avs --compare`: the method's table, energy driver against linear driver."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from vj.metrics.avs import AVSParams, AVSResult
from vj.metrics.avs_files import avs_of_video
from vj.record.render import record

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".opus", ".aiff", ".aif"}


@dataclass(frozen=True)
class Comparison:
    song: Path
    energy: AVSResult
    linear: AVSResult


def songs_in(path: str | Path) -> list[Path]:
    p = Path(path)
    if p.is_dir():
        found = sorted(q for q in p.iterdir() if q.suffix.lower() in AUDIO_SUFFIXES)
        if not found:
            from vj.errors import VjError

            raise VjError(f"{p}: the folder holds no audio files")
        return found
    return [p]


def compare(song: Path, bank: str, *, fps: int = 30, size: int | None = None,
            segment: float = 10.0, params: AVSParams | None = None,
            progress: bool = True) -> Comparison:
    results = {}
    with tempfile.TemporaryDirectory(prefix="vj-compare-") as tmp:
        for interp in ("energy", "linear"):
            out = Path(tmp) / f"{interp}.mp4"
            record(str(song), bank, str(out), fps=fps, size=size, interp=interp,
                   segment=segment, progress=progress)
            results[interp] = avs_of_video(str(out), str(song), params)
    return Comparison(song, results["energy"], results["linear"])


def format_table(rows: list[Comparison]) -> str:
    head = (f"{'song':30s}  {'AVS energy':>10s}  {'AVS linear':>10s}  {'no-motion E':>11s}  "
            f"{'no-motion L':>11s}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.song.name[:30]:30s}  {r.energy.avs:10.3f}  {r.linear.avs:10.3f}  "
                     f"{r.energy.consistency:11.3f}  {r.linear.consistency:11.3f}")
    return "\n".join(lines)
