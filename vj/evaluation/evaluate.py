"""`vj eval`: the method's claims measured on songs (docs/eval.md).

Per song: the streaming energy against the offline reference at the live settings;
a video recorded with each driver (energy, linear, online) through one image bank,
scored by AVS, by the direct synchrony measures of :mod:`vj.metrics.sync` and by
its visual event count; and the record speed.  Songs are excerpts of ``seconds``
from their middle unless ``seconds`` is None.
"""
from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vj.metrics.avs import AVSParams

DRIVERS = ("energy", "linear", "online")


@dataclass
class SongEval:
    song: str
    seconds: float
    #: streaming vs reference energy at the live settings, the engine having heard
    #: the song from its start (as in a show); and with the engine starting cold at
    #: the excerpt (a show that starts in the middle of a song)
    energy_corr: float
    energy_corr_cold: float = float("nan")
    drivers: dict = field(default_factory=dict)   # driver -> measures

    def as_dict(self) -> dict:
        return {"song": self.song, "seconds": self.seconds, "energy_corr": self.energy_corr,
                "energy_corr_cold": self.energy_corr_cold, "drivers": self.drivers}


def default_bank(folder: Path, size: int, keyframes: int = 8):
    """An image bank of procedural artworks (nothing downloaded)."""
    from vj.bank import save_bank
    from vj.generate.artwork import write_artworks
    from vj.generate.images import image_bank

    paths = write_artworks(folder / "art", keyframes, size)
    return save_bank(image_bank(paths, size=size, name="eval-art"), folder / "bank")


def streaming_corr(y: np.ndarray, lead: np.ndarray | None = None, params=None) -> float:
    """Pearson correlation of the streaming energy with the offline reference over
    ``y``, both at the live settings (the one set the show, bench and record --interp
    online use; ``params`` for another engine, same hop).  ``lead``: the audio before
    ``y``, which the engine hears first (a show that was already playing the song);
    the reference sees only ``y``."""
    from vj.audio.energy import energy_reference
    from vj.audio.streaming import LIVE_PARAMS, REFERENCE_PARAMS, StreamingEnergy

    p = params or LIVE_PARAMS
    n_lead = 0 if lead is None else len(lead) // p.hop * p.hop   # whole hops: frames align
    x = y if not n_lead else np.concatenate([lead[len(lead) - n_lead:], y])
    st = StreamingEnergy(p).run(x)
    times = st.times - n_lead / p.sr
    keep = times >= 0.0 if n_lead else np.ones(len(times), bool)   # the excerpt's frames
    ref = energy_reference(y, REFERENCE_PARAMS).at(times[keep])
    a, b = np.asarray(st.energy[keep], float), np.asarray(ref.energy, float)
    return float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else 0.0


def evaluate_song(song, bank, *, fps: int = 30, size: int = 256, seconds: float | None = 60.0,
                  params: AVSParams | None = None, tmp: Path, on_step=None,
                  accent: float | None = None, null: int = 0) -> SongEval:
    import soundfile as sf

    from vj.metrics.avs import audio_events, onset_envelope, score, visual_events
    from vj.metrics.avs_files import frame_differences
    from vj.metrics.sync import sync_measures
    from vj.record.render import record

    p = params or AVSParams()
    y = song.load(p.sr)
    lead = None
    if seconds is not None and len(y) > seconds * p.sr:
        start = (len(y) - int(seconds * p.sr)) // 2
        lead, y = y[:start], y[start:start + int(seconds * p.sr)]
    wav = tmp / "song.wav"
    sf.write(wav, y, p.sr)
    cold = streaming_corr(y)
    out = SongEval(song.name, len(y) / p.sr, streaming_corr(y, lead) if lead is not None
                   else cold, cold)
    del lead
    step = on_step or (lambda: None)
    step()
    times, env = onset_envelope(y, p)
    a_ev = audio_events(y, p)
    for interp in DRIVERS:
        video = tmp / f"{interp}.mp4"
        t0 = time.perf_counter()
        r = record(str(wav), str(bank), str(video), fps=fps, size=size, interp=interp,
                   segment=10, progress=False,
                   accent=None if accent is None or interp == "linear" else accent)
        wall = time.perf_counter() - t0
        diff, vfps, n = frame_differences(str(video), p)
        v_ev = visual_events(diff, vfps, p)
        res = score(a_ev, v_ev, diff, vfps, p)
        sync = sync_measures(diff, vfps, times, env)
        out.drivers[interp] = {"avs": res.avs, "consistency": res.consistency,
                               "motion": res.motion, "mean_offset": res.mean_offset,
                               "audio_events": len(a_ev), "visual_events": len(v_ev),
                               "record_fps": r.frames / wall, **sync.as_dict(),
                               "mean_change": float(np.mean(diff))}
        if null:
            from vj.metrics.null import against_null

            nl = against_null(a_ev, times, env, diff, vfps, p, null)
            out.drivers[interp]["null"] = {"shifts": nl["shifts"], **{
                k: v.as_dict() for k, v in nl.items() if k != "shifts"}}
        if on_step is not None:
            out.drivers[interp]["_curve"] = diff   # for the figures; not in the JSON
        step()
    return out


def totals(rows: list[SongEval]) -> dict:
    out = {"songs": len(rows),
           "streaming_corr_mean": float(np.mean([r.energy_corr for r in rows])),
           "streaming_corr_min": float(np.min([r.energy_corr for r in rows])),
           "streaming_cold_corr_mean": float(np.mean([r.energy_corr_cold for r in rows])),
           "streaming_cold_corr_min": float(np.min([r.energy_corr_cold for r in rows]))}
    for d in DRIVERS:
        for k in ("avs", "corr", "near_share", "hit_response", "visual_events", "record_fps"):
            out[f"{d}_{k}_mean"] = float(np.mean([r.drivers[d][k] for r in rows]))
    e = [r.drivers["energy"]["avs"] for r in rows]
    lin = [r.drivers["linear"]["avs"] for r in rows]
    out["energy_beats_linear_by_0.1"] = float(np.mean([a - b >= 0.1 for a, b in zip(e, lin)]))
    out["energy_avs_min"] = float(np.min(e))
    out["online_minus_energy_avs_mean"] = out["online_avs_mean"] - out["energy_avs_mean"]
    if all("null" in r.drivers[d] for r in rows for d in DRIVERS):
        for d in DRIVERS:
            for k in ("avs", "hit_response", "corr", "near_share"):
                stats = [r.drivers[d]["null"][k] for r in rows]
                out[f"{d}_{k}_beats_null_p95"] = float(np.mean([s["beats_p95"] for s in stats]))
                out[f"{d}_{k}_null_margin_mean"] = float(np.mean([s["margin"] for s in stats]))
    return out


def run_eval(songs, *, bank=None, fps: int = 30, size: int = 256, seconds=60.0,
             json_out=None, on_song=None, progress: bool = True,
             accent: float | None = None, null: int = 0) -> tuple[list, dict]:
    """``on_song(row)``: called with each song's results while its curves are kept
    (the figures)."""
    from tqdm import tqdm

    rows: list[SongEval] = []
    bar = tqdm(total=len(songs) * (1 + len(DRIVERS)), unit="step", desc="eval",
               disable=not progress)
    with tempfile.TemporaryDirectory(prefix="vj-eval-") as tmp:
        tmp = Path(tmp)
        bank = bank or default_bank(tmp / "bank", size)
        for song in songs:
            bar.set_postfix_str(song.name[:24])
            rows.append(evaluate_song(song, bank, fps=fps, size=size, seconds=seconds,
                                      tmp=tmp, on_step=lambda: bar.update(1), accent=accent,
                                      null=null))
            if on_song is not None:
                on_song(rows[-1])
            for d in rows[-1].drivers.values():
                d.pop("_curve", None)
    bar.close()
    total = totals(rows)
    if json_out:
        Path(json_out).write_text(json.dumps({"songs": [r.as_dict() for r in rows],
                                              "totals": total, "fps": fps, "size": size,
                                              "seconds": seconds}, indent=2))
    return rows, total
