"""The refine stage on the decode worker (docs/refine.md): each decoded frame is
refined with the strength its request carries, unless the stage cannot keep up.

When the median of its last refinements takes longer than ``budget`` (two display
periods), the worker stops refining and publishes the decoded frames as they are;
every :data:`RETRY` seconds it tries one refinement again and resumes when the stage
is fast enough.  The HUD and the summary say how many frames were refined and how
many were shown unrefined because the stage was behind.
"""
from __future__ import annotations

import time

import numpy as np

from vj.live.telemetry import Ring
from vj.runtime import chaos

RETRY = 2.0        # s between two tries of a stage that was behind
WINDOW = 8         # refinements in the median that decides


class LiveRefine:
    def __init__(self, refiner, budget: float, faults) -> None:
        self.refiner, self.budget, self.faults = refiner, budget, faults
        self.times = Ring(64)      # ms per refinement
        self.refined = 0
        self.unrefined = 0        # shown unrefined because the stage was behind
        self.behind = False
        self._retry_at = 0.0
        self.last_strength = 0.0

    def __call__(self, img: np.ndarray, source, k: int, s: float, strength: float) -> np.ndarray:
        self.last_strength = strength
        if strength <= 0.0:
            return img
        key = getattr(source, "vj_bank", None)
        now = time.perf_counter()
        if key is None or (self.behind and now < self._retry_at):
            self.unrefined += 1
            return img
        try:
            t0 = time.perf_counter()
            out = self.refiner.refine_one(img, key, k, s, strength)
            chaos.slow_refine()
            ms = (time.perf_counter() - t0) * 1e3
        except KeyError:            # the bank's prompts are not embedded yet (the loader)
            self.unrefined += 1
            return img
        except Exception as e:      # the decoded frame goes on, unrefined
            self.faults.report("refine", f"refinement failed ({str(e)[:120]}); showing the "
                               "decoded frames")
            self.behind, self._retry_at = True, now + RETRY
            self.unrefined += 1
            return img
        self.times.push(ms)
        recent = self.times.values()[-WINDOW:]
        slow = float(np.median(recent)) > self.budget * 1e3
        if slow and not self.behind:
            self.faults.report("refine", f"refinement behind ({np.median(recent):.0f} ms a "
                               f"frame > {self.budget * 1e3:.0f} ms): showing the decoded "
                               "frames")
        elif not slow and self.behind:
            self.faults.clear("refine", "refinement keeps up again")
        self.behind = slow
        if slow:
            self._retry_at = now + RETRY
        self.refined += 1
        return out

    def warm_up(self, library, bank: str) -> None:
        """One refinement of the bank's first picture before the show's loop: compiling
        (torch.compile on CUDA) and first-call costs are paid here, not on the worker."""
        src = library.source(bank)
        if src is None:
            return
        try:
            frame = np.array(src.frame(0, 0.0), np.uint8)
            self.refiner.refine(frame, bank, [0], [0.0], [0.3])
        except Exception as e:      # the show starts anyway; the worker will say more
            self.faults.report("refine", f"warm-up failed ({str(e)[:120]})")

    def strength(self, show, onset: float) -> float:
        """This frame's strength (render loop): the preset's [refine], or what OSC, MIDI
        or DMX set, from the newest percussive energy and onset."""
        from vj.engine import board as B
        from vj.refine.strength import strength

        r, own = show.state.refine, show.controls.preset.refine
        view = show.view
        return strength(r.get("strength", own["strength"]), r.get("gain", own["gain"]),
                        float(view.rec[B.P]) if view.adc else 0.0, onset)

    def status(self) -> str:
        last = self.times.last() if len(self.times) else 0.0
        return (f"refine {self.refiner.name}: strength {self.last_strength:.2f}, {last:.0f} ms, "
                f"{self.refined} refined, {self.unrefined} unrefined"
                + (" (behind: decoded frames shown)" if self.behind else ""))


def open_refine(show) -> LiveRefine:
    """Load the refine stage before the show's loop (models, compile, warm-up), embed
    each bank's prompts as the loader opens it, and put the stage on the decode worker
    (its budget: two display periods)."""
    from vj.presets import slug
    from vj.refine.models import load_refiner
    from vj.refine.stage import bank_prompts

    cfg = show.config
    refiner = load_refiner(cfg.refine, cfg.device, steps=cfg.refine_steps)
    presets = show.controls.presets

    def style(bank) -> str:
        p = presets.get(slug(bank.manifest.get("genre") or "")) or show.controls.preset
        return p.style_text()

    show.library.on_open = lambda name, bank: refiner.prepare_bank(name, bank_prompts(bank,
                                                                                      style(bank)))
    for name, bank in list(show.library.banks.items()):
        refiner.prepare_bank(name, bank_prompts(bank, style(bank)))
    live = LiveRefine(refiner, 2.0 * show.period, show.faults)
    show.decoder.refine = live
    return live
