"""From tag probabilities to the 23 genre presets and the 7 moods (docs/understand.md).

Each preset and mood has a list of (tag, weight) pairs from the two musicnn
taggers (MTT: MagnaTagATune, MSD: Million Song Dataset).  Its evidence is the
largest ``weight x probability`` among them; the genre is the preset with the
most evidence and the confidence its share of the total evidence.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vj.understand.musicnn import MSD_LABELS, MTT_LABELS

# (model, tag, weight); model "mtt" or "msd"
GENRE_TAGS: dict[str, list[tuple[str, str, float]]] = {
    "rock": [("msd", "rock", 1.0), ("msd", "classic rock", 1.0), ("msd", "hard rock", 0.9),
             ("msd", "alternative rock", 0.9), ("msd", "Progressive rock", 0.9),
             ("mtt", "rock", 1.0), ("msd", "alternative", 0.6)],
    "punk": [("msd", "punk", 1.0)],
    "metal": [("msd", "metal", 1.0), ("msd", "heavy metal", 1.0), ("mtt", "metal", 1.0)],
    "pop": [("msd", "pop", 1.0), ("mtt", "pop", 1.0), ("msd", "catchy", 0.6),
            ("msd", "indie pop", 0.5)],
    "indie": [("msd", "indie", 1.0), ("msd", "indie rock", 1.0), ("msd", "indie pop", 0.8)],
    "jazz": [("msd", "jazz", 1.0)],
    "blues": [("msd", "blues", 1.0)],
    "classical": [("mtt", "classical", 1.0), ("mtt", "classic", 0.9), ("mtt", "strings", 0.7),
                  ("mtt", "violin", 0.7), ("mtt", "cello", 0.7), ("mtt", "harpsichord", 0.8),
                  ("mtt", "opera", 0.8), ("mtt", "choral", 0.6)],
    "country": [("msd", "country", 1.0), ("mtt", "country", 1.0)],
    "folk": [("msd", "folk", 1.0), ("msd", "acoustic", 0.6)],
    "electronic": [("msd", "electronic", 1.0), ("msd", "electronica", 1.0),
                   ("mtt", "electronic", 1.0), ("mtt", "synth", 0.7), ("msd", "ambient", 0.6),
                   ("mtt", "ambient", 0.6), ("msd", "chillout", 0.5), ("mtt", "new age", 0.4)],
    "techno": [("mtt", "techno", 1.0), ("mtt", "beats", 0.6)],
    "electro": [("msd", "electro", 1.0)],
    "house": [("msd", "House", 1.0), ("msd", "dance", 0.6), ("mtt", "dance", 0.6)],
    "gospel": [("mtt", "choir", 0.6)],
    "funk": [("msd", "funk", 1.0), ("msd", "soul", 0.5)],
    "disco": [("msd", "70s", 0.4), ("msd", "dance", 0.4), ("msd", "funk", 0.5)],
    "r&b": [("msd", "rnb", 1.0), ("msd", "soul", 0.7), ("msd", "sexy", 0.4)],
    "hip hop": [("msd", "Hip-Hop", 1.0)],
    "rap": [("msd", "Hip-Hop", 0.9)],
    "latin": [], "reggae": [], "reggaeton": [],
}

#: Presets the taggers cannot tell apart from others (or not detect at all).
UNDETECTABLE = {"latin": "no tag for it", "reggae": "no tag for it",
                "reggaeton": "no tag for it",
                "rap": "shares the Hip-Hop tag; hip hop always wins",
                "gospel": "only through 'choir', weakly",
                "disco": "only through dance, funk and 70s"}

MOOD_TAGS: dict[str, list[tuple[str, str, float]]] = {
    "happy": [("msd", "happy", 1.0), ("msd", "party", 0.5)],
    "sad": [("msd", "sad", 1.0), ("mtt", "slow", 0.4)],
    "tender": [("msd", "Mellow", 0.9), ("msd", "beautiful", 0.8), ("msd", "chill", 0.7),
               ("msd", "easy listening", 0.7), ("mtt", "soft", 0.8), ("mtt", "quiet", 0.7)],
    "exciting": [("msd", "party", 0.9), ("msd", "dance", 0.7), ("mtt", "fast", 0.8),
                 ("mtt", "loud", 0.5), ("mtt", "dance", 0.7)],
    "angry": [("msd", "heavy metal", 0.9), ("msd", "hard rock", 0.7), ("msd", "punk", 0.7),
              ("mtt", "metal", 0.8), ("mtt", "loud", 0.6)],
    "scary": [("mtt", "weird", 0.6), ("msd", "experimental", 0.5)],
    "funny": [("mtt", "weird", 0.5)],
}

_INDEX = {"mtt": {t: i for i, t in enumerate(MTT_LABELS)},
          "msd": {t: i for i, t in enumerate(MSD_LABELS)}}
for _table in (GENRE_TAGS, MOOD_TAGS):
    for _pairs in _table.values():
        for _m, _t, _ in _pairs:
            assert _t in _INDEX[_m], (_m, _t)


@dataclass(frozen=True)
class Label:
    name: str | None       # None when there is no evidence at all
    confidence: float      # share of the total evidence, 0..1
    evidence: float        # the winner's weighted tag probability, 0..1


def _scores(table, mtt: np.ndarray, msd: np.ndarray) -> dict[str, float]:
    probs = {"mtt": mtt, "msd": msd}
    return {name: max((w * float(probs[m][_INDEX[m][t]]) for m, t, w in pairs), default=0.0)
            for name, pairs in table.items()}


def _pick(scores: dict[str, float], floor: float) -> Label:
    total = sum(scores.values())
    name, best = max(scores.items(), key=lambda kv: kv[1])
    if best < floor or total <= 0:
        return Label(None, 0.0, best)
    return Label(name, best / total, best)


def genre_of(mtt: np.ndarray, msd: np.ndarray, *, floor: float = 0.05) -> Label:
    """The genre preset from one window's (or a segment's mean) tag probabilities."""
    return _pick(_scores(GENRE_TAGS, mtt, msd), floor)


def mood_of(mtt: np.ndarray, msd: np.ndarray, *, floor: float = 0.05) -> Label:
    return _pick(_scores(MOOD_TAGS, mtt, msd), floor)


def genre_scores(mtt: np.ndarray, msd: np.ndarray) -> dict[str, float]:
    return _scores(GENRE_TAGS, mtt, msd)
