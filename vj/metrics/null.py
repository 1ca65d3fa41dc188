"""Synchrony measured against a null (docs/avs.md, "Against a null").

A score says little on its own: bursty motion earns AVS whatever the music.  So the
same video is also scored against its own audio circularly shifted by ``n`` offsets
(spread over the excerpt, at least :data:`MIN_SHIFT` seconds from zero, from the
end and from each other): the music's rhythm and density stay, only its alignment
with the pictures goes.  For AVS and each direct measure (:mod:`vj.metrics.sync`)
it reports the own score, the null's mean and 95th percentile, the margin (own -
null mean) and the share of shifts scoring at or above own (an empirical p-value:
with 10 shifts, 0.0 means no shift did as well).  Pure: arrays in, numbers out.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from vj.metrics.avs import AVSParams, score, visual_events
from vj.metrics.sync import sync_measures

MIN_SHIFT = 2.0
SHIFTS = 10
MEASURES = ("avs", "corr", "near_share", "hit_response")


def shifts_for(duration: float, n: int = SHIFTS, gap: float = MIN_SHIFT) -> np.ndarray:
    """Up to ``n`` offsets in [gap, duration - gap], at least ``gap`` apart."""
    usable = duration - 2 * gap
    if n <= 0 or usable < 0:
        return np.zeros(0)
    k = min(n, int(usable // gap) + 1)
    return np.linspace(gap, duration - gap, k) if k > 1 else np.array([duration / 2])


@dataclass(frozen=True)
class NullStat:
    own: float
    mean: float
    p95: float
    margin: float
    p: float              # share of shifts at or above own
    shifts: int

    @property
    def beats_p95(self) -> bool:
        return self.shifts > 0 and self.own > self.p95

    def as_dict(self) -> dict:
        return {**asdict(self), "beats_p95": self.beats_p95}


def null_stat(own: float, null) -> NullStat:
    v = np.asarray([x if math.isfinite(x) else 1e6 for x in null], float)
    o = own if math.isfinite(own) else 1e6
    if len(v) == 0:
        return NullStat(own, math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(v.mean())
    return NullStat(own, mean, float(np.percentile(v, 95)), o - mean,
                    float(np.mean(v >= o - 1e-12)), len(v))


def against_null(audio_ev: np.ndarray, times: np.ndarray, env: np.ndarray, diff: np.ndarray,
                 fps: float, p: AVSParams | None = None, n: int = SHIFTS) -> dict:
    """Every measure against the video's own audio and against ``n`` circular shifts
    of it: {"shifts": [...], "avs": NullStat, "corr": ..., "near_share": ...,
    "hit_response": ...}.  ``audio_ev``: the beat events of the unshifted audio (a
    shift moves them with the audio); ``times, env``: its onset envelope."""
    p = p or AVSParams()
    diff = np.asarray(diff, float)
    duration = (len(diff) + 1) / fps
    v_ev = visual_events(diff, fps, p)
    own = {"avs": score(audio_ev, v_ev, diff, fps, p).avs,
           **_sync(diff, fps, times, env)}
    step = float(times[1] - times[0]) if len(times) > 1 else p.hop / p.sr
    period = int(round(duration / step))          # the envelope over the video, rolled
    env = np.asarray(env[:period], float)
    t = np.asarray(times[:period], float)
    shifts = shifts_for(duration, n)
    null = {m: [] for m in MEASURES}
    for s in shifts:
        ev = np.sort((np.asarray(audio_ev) + s) % duration)
        null["avs"].append(score(ev, v_ev, diff, fps, p).avs)
        for k, v in _sync(diff, fps, t, np.roll(env, int(round(s / step)))).items():
            null[k].append(v)
    return {"shifts": [float(s) for s in shifts],
            **{m: null_stat(own[m], null[m]) for m in MEASURES}}


def _sync(diff, fps, times, env) -> dict:
    s = sync_measures(diff, fps, times, env)
    return {"corr": s.corr, "near_share": s.near_share, "hit_response": s.hit_response}


def format_null(null: dict) -> str:
    """One line per measure."""
    out = [f"against {len(null['shifts'])} circular shifts of its own audio "
           f"(at {', '.join(f'{s:.1f}' for s in null['shifts'])} s):"]
    for m in MEASURES:
        s = null[m]
        if s.shifts == 0:
            out.append(f"  {m:13s} own {s.own:.3f}; no shift fits the excerpt")
            continue
        out.append(f"  {m:13s} own {s.own:7.3f}   null mean {s.mean:7.3f}  p95 {s.p95:7.3f}   "
                   f"margin {s.margin:+7.3f}   p {s.p:.2f}"
                   + ("   beats the null's 95th percentile" if s.beats_p95 else ""))
    return "\n".join(out)
