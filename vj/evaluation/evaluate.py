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
                  accent: float | None = None) -> SongEval:
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
    return out


def format_table(rows: list[SongEval]) -> str:
    head = (f"{'song':26s} {'E corr':>6s} {'cold':>5s} | {'AVS en':>6s} {'lin':>5s} {'onl':>5s} | "
            f"{'hit en':>6s} {'lin':>5s} {'onl':>5s} | {'r en':>5s} {'lin':>5s} | "
            f"{'near en':>7s} {'exp':>5s} | {'events e/l/o':>12s} | {'rec fps':>7s}")
    lines = [head, "-" * len(head)]
    for r in rows:
        d = r.drivers
        ev = "/".join(str(d[k]["visual_events"]) for k in DRIVERS)
        lines.append(
            f"{r.song[:26]:26s} {r.energy_corr:6.3f} {r.energy_corr_cold:5.3f} | "
            f"{d['energy']['avs']:6.3f} "
            f"{d['linear']['avs']:5.3f} {d['online']['avs']:5.3f} | "
            f"{d['energy']['hit_response']:6.2f} {d['linear']['hit_response']:5.2f} "
            f"{d['online']['hit_response']:5.2f} | {d['energy']['corr']:5.2f} "
            f"{d['linear']['corr']:5.2f} | {d['energy']['near_share']:7.2f} "
            f"{d['energy']['near_expected']:5.2f} | {ev:>12s} | "
            f"{d['energy']['record_fps']:7.0f}")
    return "\n".join(lines)


def plot_song(r: SongEval, fps: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(len(DRIVERS), 1, figsize=(12, 6), sharex=True,
                           constrained_layout=True)
    for a, d in zip(ax, DRIVERS):
        c = r.drivers[d].get("_curve")
        if c is None:
            continue
        a.plot((np.arange(len(c)) + 1) / fps, c, lw=0.7)
        m = r.drivers[d]
        a.set_ylabel(f"{d}\n(levels)", fontsize=8)
        a.set_title(f"{d}: AVS {m['avs']:.3f}, hit response {m['hit_response']:.2f}, "
                    f"r(change, onset) {m['corr']:.2f}", fontsize=8)
    ax[0].figure.suptitle(f"{r.song}: mean frame change per frame", fontsize=9)
    ax[-1].set_xlabel("time (s)")
    fig.savefig(path, dpi=90)
    plt.close(fig)


def run_eval(songs, *, bank=None, fps: int = 30, size: int = 256, seconds=60.0,
             json_out=None, plot_dir=None, progress: bool = True,
             accent: float | None = None) -> tuple[list, dict]:
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
                                      tmp=tmp, on_step=lambda: bar.update(1), accent=accent))
            if plot_dir:
                Path(plot_dir).mkdir(parents=True, exist_ok=True)
                plot_song(rows[-1], fps, Path(plot_dir) / f"{rows[-1].song}.png")
            for d in rows[-1].drivers.values():
                d.pop("_curve", None)
    bar.close()
    total = totals(rows)
    if json_out:
        Path(json_out).write_text(json.dumps({"songs": [r.as_dict() for r in rows],
                                              "totals": total, "fps": fps, "size": size,
                                              "seconds": seconds}, indent=2))
    return rows, total


def format_totals(t: dict) -> str:
    return (f"{t['songs']} songs: streaming vs reference energy r mean {t['streaming_corr_mean']:.3f}"
            f" (min {t['streaming_corr_min']:.3f}; from a cold start at the excerpt "
            f"{t['streaming_cold_corr_mean']:.3f}, min {t['streaming_cold_corr_min']:.3f}); "
            f"AVS energy {t['energy_avs_mean']:.3f}, linear "
            f"{t['linear_avs_mean']:.3f}, online {t['online_avs_mean']:.3f} (energy beats linear by"
            f" >= 0.1 on {t['energy_beats_linear_by_0.1']:.0%} of songs, lowest energy AVS "
            f"{t['energy_avs_min']:.3f}); hit response energy {t['energy_hit_response_mean']:.2f}, "
            f"linear {t['linear_hit_response_mean']:.2f}, online "
            f"{t['online_hit_response_mean']:.2f}; r(change, onset) energy "
            f"{t['energy_corr_mean']:.2f}, linear {t['linear_corr_mean']:.2f}; record "
            f"{t['energy_record_fps_mean']:.0f} frames/s")


def cmd_eval(args) -> int:
    from vj.evaluation.corpus import require_corpus, songs_in

    songs = []
    for x in args.songs:
        songs += require_corpus() if x == "corpus" else songs_in(x)
    rows, total = run_eval(songs, bank=args.bank, fps=args.fps, size=args.size,
                           seconds=None if args.full else args.seconds, json_out=args.json,
                           plot_dir=args.plot, progress=not args.quiet, accent=args.accent)
    print(format_table(rows))
    print(format_totals(total))
    if args.json:
        print(f"JSON: {args.json}")
    if args.plot:
        print(f"figures: {args.plot}/")
    return 0


def add_eval_parser(sub) -> None:
    from vj.options import positive_float, square, video_fps

    p = sub.add_parser(
        "eval", help="measure the method on songs: energy, AVS of three drivers, synchrony",
        description="For each song: streaming vs reference energy at the live settings (the engine "
        "hearing the song from its start, and starting cold at the excerpt); a video "
        "recorded with the energy, linear and online drivers, each scored by AVS, by the "
        "correlation of frame change with onset strength, the share of change near onsets, "
        "the hit response and the visual event count; the record speed (docs/eval.md). "
        "`corpus` stands for the development corpus (make corpus).")
    p.add_argument("songs", nargs="+", metavar="SONG_OR_FOLDER",
                   help="audio files, Frets on Fire song folders (stems mixed), folders of "
                   "those, or `corpus`")
    p.add_argument("--bank", help="image or latent bank (default: procedural artworks)")
    p.add_argument("--json", metavar="FILE", help="write every number as JSON to FILE")
    p.add_argument("--plot", metavar="DIR", help="write one figure per song")
    p.add_argument("--seconds", type=positive_float, default=45.0,
                   help="excerpt length from the middle of each song (default 45)")
    p.add_argument("--full", action="store_true", help="whole songs, not excerpts")
    p.add_argument("--fps", type=video_fps, default=30, help="video frame rate (default 30)")
    p.add_argument("--size", type=square, default=192, metavar="N",
                   help="video size (default 192)")
    p.add_argument("--accent", type=float, default=None, metavar="A",
                   help="hit accent of the energy and online drivers (default: vj record's)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_eval)
