"""The AVS figure: onset strength and frame differences with their events, and the
DTW alignment between them (``vj avs --plot``)."""
from __future__ import annotations

import numpy as np

from vj.metrics.avs import AVSParams, AVSResult, onset_envelope


def plot(result: AVSResult, y: np.ndarray, diff: np.ndarray, fps: float, path: str,
         params: AVSParams | None = None, title: str = "") -> None:
    """Onset strength with its events above the frame-difference curve with its events,
    and the DTW alignment between them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = params or AVSParams()
    times, env = onset_envelope(y, p)
    norm = (env - env.min()) / max(float(env.max() - env.min()), 1e-12)
    t = (np.arange(len(diff)) + 1) / fps
    fig, ax = plt.subplots(2, 1, figsize=(12, 6), sharex=True, constrained_layout=True)
    ax[0].plot(times, norm, lw=0.8, color="tab:blue", label="onset strength (normalised)")
    ax[0].axhline(p.beat_strength, color="tab:blue", ls=":", lw=0.8)
    ax[0].plot(result.audio_events, np.full(len(result.audio_events), 1.05), "v",
               color="tab:blue", label="audio events")
    ax[0].set_ylim(0, 1.15)
    ax[0].legend(loc="upper right", fontsize=8)
    ax[0].set_title(title or result.summary(), fontsize=9)
    label = "mean frame difference (levels)" if p.curve == "mean" else "changed fraction"
    ax[1].plot(t, diff, lw=0.8, color="tab:red", label=label)
    if p.curve == "fraction":
        ax[1].axhline(p.change_threshold, color="tab:red", ls=":", lw=0.8)
    top = max(float(diff.max()) if len(diff) else 1.0,
              p.change_threshold if p.curve == "fraction" else 0.0) * 1.1
    ax[1].plot(result.visual_events, np.full(len(result.visual_events), top), "^",
               color="tab:red", label="visual events")
    for i, j in result.path:  # DTW alignment drawn across the two panels
        ax[1].annotate("", xy=(result.visual_events[j], top), xycoords="data",
                       xytext=(result.audio_events[i], 1.05), textcoords=ax[0].transData,
                       arrowprops=dict(arrowstyle="-", color="0.5", lw=0.5, alpha=0.6))
    ax[1].set_xlabel("time (s)")
    ax[1].legend(loc="upper right", fontsize=8)
    fig.savefig(path, dpi=100)
    plt.close(fig)
