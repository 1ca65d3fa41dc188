"""Per-segment genre, mood and tempo of a song (``vj analyze``, ``vj prepare --audio``)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class SegmentInfo:
    start: float
    end: float
    genre: str | None
    genre_confidence: float
    mood: str | None
    mood_confidence: float
    tempo: float
    section: int
    top_tags: list

    def as_dict(self) -> dict:
        return asdict(self)


def understand(y22k: np.ndarray, bounds: np.ndarray, *, sr: int = 22050,
               section_bounds: np.ndarray | None = None) -> list[SegmentInfo]:
    """Tag every 3 s window with both taggers and summarise them per segment."""
    import soxr

    from vj.audio.rhythm import beats
    from vj.understand.genre import genre_of, mood_of
    from vj.understand.musicnn import (
        HOP,
        MSD_LABELS,
        MTT_LABELS,
        SR,
        WINDOW_FRAMES,
        Tagger,
        log_mel,
        windows,
    )

    y16 = soxr.resample(np.asarray(y22k, np.float32), sr, SR) if sr != SR else y22k
    mel = log_mel(y16)
    win = windows(mel)
    mtt = Tagger("MTT_musicnn").tag_mel(win)
    msd = Tagger("MSD_musicnn").tag_mel(win)
    win_t = (np.arange(len(win)) * WINDOW_FRAMES + WINDOW_FRAMES / 2) * HOP / SR
    out = []
    for _i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        m = (win_t >= a) & (win_t < b)
        if not m.any():
            m = np.zeros(len(win_t), bool)
            m[int(np.argmin(np.abs(win_t - (a + b) / 2)))] = True
        p_mtt, p_msd = mtt[m].mean(0), msd[m].mean(0)
        g, md = genre_of(p_mtt, p_msd), mood_of(p_mtt, p_msd)
        seg = y22k[int(a * sr):int(b * sr)]
        tempo, _ = beats(seg, sr)
        section = int(np.searchsorted(section_bounds, a, side="right") - 1) \
            if section_bounds is not None else 0
        tags = sorted([(MTT_LABELS[j], float(p_mtt[j])) for j in range(50)] +
                      [(MSD_LABELS[j], float(p_msd[j])) for j in range(50)],
                      key=lambda kv: -kv[1])[:5]
        out.append(SegmentInfo(float(a), float(b), g.name, round(g.confidence, 3), md.name,
                               round(md.confidence, 3), round(tempo, 1), section,
                               [[t, round(p, 3)] for t, p in tags]))
    return out
