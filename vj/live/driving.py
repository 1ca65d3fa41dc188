"""The show's motion: the online driver stepped once per frame, with the cuts asked
for by the desk or keyboard and the scene cuts the music makes (docs/design.md, section 5)."""
from __future__ import annotations

from vj.control.state import Command
from vj.motion.drivers import OnlineDriver

#: Seconds of quiet after which a strong onset cuts to the next keyframe.
QUIET_BEFORE_CUT = 2.0
#: Onset (peak-held, 0..1) that counts as a strong hit.
STRONG_ONSET = 0.8


class Motion:
    def __init__(self, segment: float, speed: float) -> None:
        self.driver = OnlineDriver(segment=segment, speed=speed)
        self.quiet_since: float | None = None
        self.scene_cuts: list[float] = []   # show times of scene cuts (at most 256 kept)

    def step(self, now: float, t: float, dt: float, energy: float, onset: float,
             controls, segment: float | None = None) -> tuple[int, float]:
        """One frame.  ``segment``: seconds per keyframe from the tempo (N bars), instead
        of the preset's."""
        d, st = self.driver, controls.state
        while st.cuts > 0:
            st.cuts -= 1
            d.cut()
        # the onset comes from the newest audio, the energy a few hops later (it needs
        # the analysis look-ahead): a strong onset after a quiet passage cuts at once
        if (onset > STRONG_ONSET and self.quiet_since is not None
                and now - self.quiet_since >= QUIET_BEFORE_CUT):
            # through the controls, so that --quantize holds it for the beat or bar
            controls.apply(Command("cut", None, "scene"), now)
            if len(self.scene_cuts) < 256:
                self.scene_cuts.append(t)
            self.quiet_since = None
        elif energy < d.gate:
            self.quiet_since = now if self.quiet_since is None else self.quiet_since
        else:
            self.quiet_since = None
        d.segment = segment or controls.preset.motion.segment
        d.speed = controls.speed()
        d.intensity = st.intensity
        return d.step(dt, energy)

    def ahead(self, dt: float) -> tuple[int, float]:
        return self.driver.ahead(dt)
