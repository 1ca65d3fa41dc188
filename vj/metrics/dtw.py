"""Dynamic time warping of two sorted event-time sequences, in memory linear in their
lengths.

Cells are only computed where the two events are within ``window`` seconds of each
other (widened just enough that a path from the first to the last pair always
exists), so memory and time grow with ``(N + M) x events per window`` instead of
``N x M``: a three-hour show (about 20,000 beats) needs a few megabytes instead of
3.7 GB.  Where the best exact alignment stays inside the window (any alignment
worth a score: an offset of ``window`` seconds already gives a consistency below
0.1) the result is the exact DTW's.
"""
from __future__ import annotations

import math

import numpy as np

#: Seconds: events further apart than this are never matched.
WINDOW = 10.0


def band(a: np.ndarray, b: np.ndarray, window: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row i, the columns ``lo[i]..hi[i]`` (inclusive) that are computed."""
    n, m = len(a), len(b)
    lo = np.searchsorted(b, a - window, side="left")
    hi = np.searchsorted(b, a + window, side="right") - 1
    lo[0], hi[-1] = 0, m - 1
    lo = np.minimum(lo, m - 1)
    hi = np.maximum(hi, lo)
    hi = np.maximum.accumulate(hi)
    # connected: row i must reach row i-1 by a vertical or diagonal move
    for i in range(n - 1, 0, -1):
        if hi[i - 1] < lo[i] - 1:
            hi[i - 1] = lo[i] - 1
    hi = np.maximum.accumulate(np.maximum(hi, lo))
    return lo.astype(np.int64), hi.astype(np.int64)


def dtw(a, b, window: float = WINDOW) -> tuple[float, list[tuple[int, int]]]:
    """DTW of two sorted 1-D sequences with |x - y| as the cost; returns the total cost
    and the warping path as (i, j) pairs."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return math.inf, []
    lo, hi = band(a, b, window if math.isfinite(window) else math.inf)
    rows: list[np.ndarray] = []
    prev, plo, phi = None, 0, -1
    for i in range(n):
        l, h = int(lo[i]), int(hi[i])  # noqa: E741  (low and high: the band's bounds)
        c = np.abs(a[i] - b[l:h + 1])
        best = np.full(h - l + 1, math.inf)
        if prev is None:
            best[0] = 0.0 if l == 0 else math.inf
        else:
            js = np.arange(l, h + 1)
            up = np.where((js >= plo) & (js <= phi), prev[np.clip(js - plo, 0, len(prev) - 1)],
                          math.inf)
            jd = js - 1
            diag = np.where((jd >= plo) & (jd <= phi),
                            prev[np.clip(jd - plo, 0, len(prev) - 1)], math.inf)
            best = np.minimum(up, diag)
        row = np.empty(h - l + 1)
        run = math.inf   # the horizontal move needs a running pass
        for k in range(h - l + 1):
            v = best[k] if best[k] < run else run
            run = v + c[k]
            row[k] = run
        rows.append(row)
        prev, plo, phi = row, l, h
    total = float(rows[-1][m - 1 - int(lo[-1])])
    # backtrack through the band
    i, j, path = n - 1, m - 1, [(n - 1, m - 1)]

    def acc(ii: int, jj: int) -> float:
        if ii < 0 or jj < 0 or not lo[ii] <= jj <= hi[ii]:
            return math.inf
        return float(rows[ii][jj - lo[ii]])

    while i > 0 or j > 0:
        options = [(acc(i - 1, j - 1), i - 1, j - 1), (acc(i - 1, j), i - 1, j),
                   (acc(i, j - 1), i, j - 1)]
        _, i, j = min(options, key=lambda o: o[0])
        path.append((i, j))
    return total, path[::-1]
