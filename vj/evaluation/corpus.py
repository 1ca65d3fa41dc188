"""Real recorded music for development: the Debian packages that `make corpus` installs.

* ``fretsonfire-songs-muldjord`` and ``fretsonfire-songs-sectoid``: rock songs as
  Frets on Fire stems; a song is the mix of its ``song.ogg`` (the band) and
  ``guitar.ogg`` (the lead guitar), both the whole length of the song;
* ``drascula-music``: the score of a point-and-click game (orchestral, jazz and
  pop pieces); the tracks of a minute and a half or more are used.

The audio stays where the packages put it; nothing is copied into the repository.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vj.errors import VjError

FRETS_ON_FIRE = Path("/usr/share/games/fretsonfire/data/songs")
DRASCULA = Path("/usr/share/scummvm/drascula/audio")
#: Drascula tracks of 98 s or more (the shorter ones are jingles).
DRASCULA_TRACKS = ("track1", "track2", "track3", "track5", "track9", "track11", "track14",
                   "track23")
#: Frets on Fire stems that together make the song.
STEMS = ("song.ogg", "guitar.ogg", "rhythm.ogg")
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".opus", ".aiff", ".aif",
                  ".mat"}


@dataclass(frozen=True)
class Song:
    name: str
    parts: tuple[Path, ...]   # mixed together (stems), or one file

    def load(self, sr: int, start: float = 0.0, duration: float | None = None) -> np.ndarray:
        """Mono float32 at ``sr``: the sum of the parts, scaled down only if it clips."""
        from vj.audio.sources import load

        ys = [load(p, sr=sr) for p in self.parts]
        n = max(len(y) for y in ys)
        mix = np.zeros(n, np.float32)
        for y in ys:
            mix[: len(y)] += y
        peak = float(np.abs(mix).max()) if n else 0.0
        if peak > 1.0:
            mix /= peak
        a = int(round(start * sr))
        b = n if duration is None else a + int(round(duration * sr))
        return mix[a:b]

    def duration(self) -> float:
        from vj.audio.sources import probe

        return max(probe(p).duration for p in self.parts)


def _stem_song(folder: Path) -> Song:
    parts = tuple(folder / s for s in STEMS if (folder / s).is_file())
    return Song(folder.name, parts)


def songs_in(path: str | Path) -> list[Song]:
    """A file; a Frets on Fire song folder (its stems mixed); or a folder of those."""
    p = Path(path)
    if not p.exists():
        raise VjError(f"{p}: no such file or folder")
    if p.is_file():
        return [Song(p.stem, (p,))]
    if (p / "song.ogg").is_file():
        return [_stem_song(p)]
    found = []
    for q in sorted(p.iterdir()):
        if q.is_dir() and (q / "song.ogg").is_file():
            found.append(_stem_song(q))
        elif q.is_file() and q.suffix.lower() in AUDIO_SUFFIXES:
            found.append(Song(q.stem, (q,)))
    if not found:
        raise VjError(f"{p}: the folder holds no audio files or song folders")
    return found


def corpus() -> list[Song]:
    """The corpus songs that are installed (`make corpus`)."""
    songs = []
    if FRETS_ON_FIRE.is_dir():
        for pack in sorted(FRETS_ON_FIRE.iterdir()):
            if pack.is_dir():
                songs += [s for s in songs_in(pack) if len(s.parts) >= 2]
    songs += [Song(f"drascula-{t}", (DRASCULA / f"{t}.ogg",)) for t in DRASCULA_TRACKS
              if (DRASCULA / f"{t}.ogg").is_file()]
    return songs


def require_corpus() -> list[Song]:
    songs = corpus()
    if not songs:
        raise VjError("the corpus is not installed: run `make corpus` (Debian packages "
                      "fretsonfire-songs-muldjord, fretsonfire-songs-sectoid, drascula-music)")
    return songs
