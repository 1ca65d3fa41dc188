"""Lyrics of a song, placed on vj's sections: from a file (plain text or .lrc with
times) or transcribed by Whisper with time stamps.  Pure functions except
:func:`transcribe`, which runs the speech pipeline."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vj.errors import VjError

_LRC_TIME = re.compile(r"\[(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)\]")
_LRC_META = re.compile(r"^\[[a-zA-Z#]+:.*\]\s*$")
#: Whisper's window: the song is transcribed 30 s at a time.
WINDOW = 30.0


@dataclass(frozen=True)
class Line:
    text: str
    start: float | None = None      # seconds; None: the line has no time
    end: float | None = None


def parse_lyrics(path: str | Path) -> list[Line]:
    """Lines of a lyrics file.  ``.lrc``: ``[mm:ss.xx]`` tags (several per line allowed,
    metadata tags such as ``[ar:...]`` skipped), each line ends where the next starts.
    Anything else: plain text, one line per non-empty line, without times."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as e:
        raise VjError(f"{p}: cannot read the lyrics ({e.strerror or e})") from None
    raw = [ln.strip() for ln in text.splitlines()]
    timed = []
    for ln in raw:
        tags = _LRC_TIME.findall(ln)
        if tags:
            words = _LRC_TIME.sub("", ln).strip()
            timed += [(int(m) * 60 + float(s.replace(":", ".")), words) for m, s in tags]
    if not timed:
        return [Line(ln) for ln in raw if ln and not _LRC_META.match(ln)]
    timed.sort(key=lambda t: t[0])
    out = []
    for i, (t, words) in enumerate(timed):
        end = timed[i + 1][0] if i + 1 < len(timed) else None
        if words:   # an empty timed line marks the end of the one before
            out.append(Line(words, t, end))
    return out


def assign(lines: list[Line], bounds) -> list[str]:
    """The lyrics of each section ``[bounds[i], bounds[i+1])``.

    A timed line goes to the section holding its middle (its start when it has no end).
    Untimed lines (plain text) are spread over the sections in order, in proportion
    to their length: a plain-text file says nothing about where a break is, so use
    .lrc for that.  Sections that get no line get ""."""
    bounds = np.asarray(bounds, float)
    n = len(bounds) - 1
    parts: list[list[str]] = [[] for _ in range(n)]
    untimed = [ln for ln in lines if ln.start is None]
    for ln in lines:
        if ln.start is None:
            continue
        mid = ln.start if ln.end is None else (ln.start + ln.end) / 2
        if bounds[0] <= mid < bounds[-1] or mid == bounds[-1]:
            i = min(int(np.searchsorted(bounds, mid, side="right")) - 1, n - 1)
            parts[i].append(ln.text)
    if untimed:
        share = np.cumsum(np.diff(bounds)) / (bounds[-1] - bounds[0])
        for j, ln in enumerate(untimed):
            i = int(np.searchsorted(share, (j + 0.5) / len(untimed)))
            parts[min(i, n - 1)].append(ln.text)
    return [" / ".join(p) for p in parts]


def _speech(text: str) -> bool:
    """Whether a transcribed piece holds words (Whisper may print only punctuation or
    a sound tag such as "[Music]" on instrumental passages)."""
    t = re.sub(r"[\[(][^\])]*[\])]", " ", text)
    return sum(ch.isalpha() for ch in t) >= 2


def transcribe(asr, y16: np.ndarray, *, sr: int = 16000, max_new_tokens: int = 200,
               on_window=None) -> list[Line]:
    """Whisper over the song, ``WINDOW`` seconds at a time, with time stamps.

    A piece whose time stamps are missing (Whisper gives none sometimes) keeps the
    span of its window; pieces without words are dropped, so an instrumental
    section gets no lyrics."""
    step = int(WINDOW * sr)
    out: list[Line] = []
    for a in range(0, max(len(y16), 1), step):
        seg = np.asarray(y16[a:a + step], np.float32)
        t0, t1 = a / sr, (a + len(seg)) / sr
        if len(seg) < sr // 10 or not np.any(np.abs(seg) > 1e-4):
            if on_window:
                on_window()
            continue
        res = asr({"raw": seg, "sampling_rate": sr}, return_timestamps=True,
                  generate_kwargs={"max_new_tokens": max_new_tokens, "task": "transcribe"})
        for ch in res.get("chunks") or [{"timestamp": (None, None), "text": res["text"]}]:
            text = " ".join(ch.get("text", "").split())
            if not _speech(text):
                continue
            s, e = ch.get("timestamp") or (None, None)
            good = s is not None and 0 <= s <= WINDOW and (e is None or s <= e <= WINDOW + 1)
            out.append(Line(text, t0 + s, min(t0 + e, t1) if e is not None else None)
                       if good else Line(text, t0, t1))
        if on_window:
            on_window()
    return out
