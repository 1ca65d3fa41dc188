"""`vj eval`'s tables, totals line and figures (vj.evaluation.evaluate computes them)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vj.evaluation.evaluate import DRIVERS, SongEval


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


def format_null_table(rows: list[SongEval]) -> str:
    """Each driver's own AVS and hit response against its null: own / null p95, and
    '*' where own beats the null's 95th percentile."""
    def cell(m, k):
        s = m["null"][k]
        return f"{s['own']:5.2f}/{s['p95']:5.2f}{'*' if s['beats_p95'] else ' '}"

    head = (f"{'song':26s} | {'AVS own/p95: energy':>19s} {'linear':>12s} {'online':>12s} | "
            f"{'hit own/p95: energy':>19s} {'linear':>12s} {'online':>12s}")
    lines = [head, "-" * len(head)]
    for r in rows:
        d = r.drivers
        lines.append(f"{r.song[:26]:26s} | {cell(d['energy'], 'avs'):>19s} "
                     f"{cell(d['linear'], 'avs'):>12s} {cell(d['online'], 'avs'):>12s} | "
                     f"{cell(d['energy'], 'hit_response'):>19s} "
                     f"{cell(d['linear'], 'hit_response'):>12s} "
                     f"{cell(d['online'], 'hit_response'):>12s}")
    return "\n".join(lines)


def format_null_totals(t: dict) -> str:
    parts = [f"{d}: AVS {t[f'{d}_avs_beats_null_p95']:.0%}, hit response "
             f"{t[f'{d}_hit_response_beats_null_p95']:.0%} (margins {t[f'{d}_avs_null_margin_mean']:+.3f}"
             f", {t[f'{d}_hit_response_null_margin_mean']:+.2f})" for d in DRIVERS]
    return "songs where the own score beats the null's 95th percentile: " + "; ".join(parts)


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
