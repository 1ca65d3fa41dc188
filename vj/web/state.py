"""What the web remote's pages see of the show (vj.web.server asks for it ten times a
second on its own thread) and the keyframe pictures of its banks.  The show is read
through the attributes these functions name (controls, log, view, decoder, faults,
library, set), one attribute read each: nothing here changes it."""
from __future__ import annotations

import time

#: s without newly analysed audio after which the meters and the latency read silence
SILENT_AFTER = 0.5


def web_state(show, restarts: int = 0) -> dict:
    """What the web remote's clients see (vj.web), read on the web thread ten times a
    second: each value is one attribute read of the show's parts."""
    from vj.engine import board as B

    now = time.perf_counter()
    c, st, view = show.controls, show.state, show.view
    rec = view.rec if view is not None else None
    if rec is not None and (not view.adc or now - view.adc > SILENT_AFTER):
        rec = None                     # the music stopped: the meters fall to silence
    fx = c.fx
    ps = list(st.presets)
    q = c.quantiser
    held = [cmd.value for _, _, cmd in (q.pending if q is not None else [])
            if cmd.action == "preset"]
    nxt = held[-1] if held else (ps[(ps.index(st.preset) + 1) % len(ps)]
                                 if st.preset in ps else None)
    lat = show.log.latency_ms
    return {"fps": round(show.log.fps.per_second(now - show.t0), 1),
            "decode_fps": round(show.decoder.fps(now), 1) if show.decoder else 0.0,
            "latency_ms": round(lat.last(), 1) if len(lat) and rec is not None else 0.0,
            "level": round(float(rec[B.LEVEL]), 1) if rec is not None else -120.0,
            "P": round(float(rec[B.P]), 3) if rec is not None else 0.0,
            "H": round(float(rec[B.H]), 3) if rec is not None else 0.0,
            "E": round(float(view.energy), 3) if view is not None else 0.0,
            "preset": st.preset, "bank": st.bank, "next": c.next_up(), "next_preset": nxt,
            "master": st.master, "intensity": st.intensity, "speed": st.speed,
            "fx": {"flash": fx.flash, "trail": fx.trail, "hue": fx.hue, "strobe": fx.strobe},
            "blackout": st.blackout, "auto": st.auto, "hud": st.hud, "bpm": st.bpm,
            "tempo_source": st.tempo_source, "scale": show.render_scale.scale,
            "faults": [f"{p}: {m}" for p, m in show.faults.current()],
            "dmx": show.status.get("dmx", ""), "midi": show.status.get("midi", ""),
            "set": show.set.status() if show.set else None, "restarts": restarts}


def bank_picture(show, name: str, i: int):
    """Keyframe ``i`` of bank ``name`` as an RGB array (image banks: the keyframe;
    latent banks: its decoded thumbnail), or None."""
    bank = show.library.banks.get(name)
    if bank is None or i < 0:
        return None
    if bank.mode == "image":
        return bank.frames[i] if i < bank.count else None
    files = sorted((bank.path / "thumbs").glob("*.png")) if bank.path else []
    if i >= len(files):
        return None
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(files[i]).convert("RGB"))
