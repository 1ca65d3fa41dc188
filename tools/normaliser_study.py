"""How long should the live energy's peak window be?  A study on the corpus.

A study, not part of vj.  The live engine (vj.audio.streaming, LIVE_PARAMS) runs once
over each whole song; its raw percussive and harmonic powers then go through the
engine's own normalisation stage (vj.audio.normalise.PartNormaliser) with each
candidate peak window, and the result is compared (Pearson r) with the offline
reference in three ways:

* the 45 s excerpt from the middle that `vj eval` scores, the reference normalised
  over the excerpt, the engine having heard the song from its start;
* the whole song, the reference normalised over the whole song, leaving out the
  song's first 30 s (while a running normaliser has not heard the song's peaks);
* the whole song from the first frame (a show's first song, started cold).

    .venv/bin/python tools/normaliser_study.py [WINDOW_S ...]     # needs `make corpus`
"""
from __future__ import annotations

import sys

import numpy as np

from vj.audio.energy import energy_reference, full_scale_power
from vj.audio.normalise import PartNormaliser
from vj.audio.streaming import LIVE_PARAMS, REFERENCE_PARAMS, StreamingEnergy
from vj.evaluation.corpus import corpus

P = LIVE_PARAMS
EXCERPT, SKIP = 45.0, 30.0


def normalised(raw_p, raw_h, window) -> np.ndarray:
    """The engine's energy from its raw part powers, with another peak window."""
    norm = PartNormaliser(P.with_(peak_window=window), full_scale_power(P))
    wp, wh = P.weights
    out = np.empty(len(raw_p))
    for i, (a, b) in enumerate(zip(raw_p.tolist(), raw_h.tolist())):
        pn, hn = norm(a, b)
        out[i] = wp * pn + wh * hn
    return out


def corr(a, b) -> float:
    return float(np.corrcoef(np.asarray(a, float), np.asarray(b, float))[0, 1])


def main(windows) -> None:
    cols = ("excerpt, heard from the song's start", f"whole song after {SKIP:.0f} s",
            "whole song, cold")
    res = {w: {c: [] for c in cols} for w in windows}
    names = []
    for song in corpus():
        y = song.load(P.sr)
        n = int(EXCERPT * P.sr)
        a = max(0, (len(y) - n) // 2) // P.hop * P.hop       # whole hops: frames align
        st = StreamingEnergy(P).run(y)
        t = st.times
        ex = (t >= a / P.sr) & (t < (a + n) / P.sr)
        ref_ex = energy_reference(y[a:a + n], REFERENCE_PARAMS).at(t[ex] - a / P.sr).energy
        ref = energy_reference(y, REFERENCE_PARAMS).at(t).energy
        late = t >= SKIP
        names.append(song.name)
        for w in windows:
            e = normalised(st.raw_percussive, st.raw_harmonic, w)
            r = res[w]
            r[cols[0]].append(corr(e[ex], ref_ex))
            r[cols[1]].append(corr(e[late], ref[late]))
            r[cols[2]].append(corr(e, ref))
        print(f"{song.name[:24]:24s} " + " ".join(f"{res[w][cols[0]][-1]:.3f}" for w in windows),
              file=sys.stderr, flush=True)
    print("| peak | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for w, r in res.items():
        label = "exp. release 30 s" if w is None else f"largest of the last {w:g} s"
        if w == P.peak_window:
            label += " (the live settings)"
        cells = " | ".join(f"{np.mean(v):.3f} / {np.min(v):.3f} ({names[int(np.argmin(v))]})"
                           for v in r.values())
        print(f"| {label} | {cells} |")


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [None, 30.0, 45.0, 60.0, 90.0, 120.0])
