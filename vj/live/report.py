"""What the show tells: the HUD's values, ``/vj/status``, and the closing summary (as a
line and as JSON for tools: ``vj live --summary-json FILE``).  Read-only views of
the show's parts; built a few times a second or once at the end, never per frame."""
from __future__ import annotations

import json
import time

from vj.live.config import Summary
from vj.show.process import restarts


def hud_values(show, now: float, e: float) -> dict:
    osc, view, audio = show.osc, show.view, show.audio
    from vj.engine import board as B

    rec = view.rec
    return {"fps": show.log.fps.per_second(now - show.t0),
            "decode_fps": show.decoder.fps(time.perf_counter()),
            "decode_ms": show.decoder.decode_ms.last(),
            "decoder": getattr(show.stage.source, "name", "-"),
            "latency_ms": show.log.latency_ms.last(), "P": float(rec[B.P]),
            "H": float(rec[B.H]), "E": e, "level": float(rec[B.LEVEL]) if view.adc else -120.0,
            "preset": show.state.preset, "bank": show.state.bank,
        "state": show.state.snapshot(),
            "osc": (osc.stats.packets, osc.stats.bad) if osc else (0, 0),
            "overruns": audio.overruns, "fault": show.faults.active(),
            "bpm": show.state.bpm, "tempo_source": show.state.tempo_source,
            "next": show.controls.next_up(), "midi": show.status.get("midi", ""),
            "dmx": show.status.get("dmx", ""), "web": show.status.get("web", ""),
            "refine": show.refine.status() if show.refine else "",
            "set": set_line(show), "scale": show.render_scale.scale}


def status_values(show, swap: float, e: float) -> dict:
    """The values ``/vj/status`` answers with (vj.control.osc); ``e``: the highest
    energy since the last status (a level meter's peak, not one frame's sample)."""
    lat = show.log.latency_ms
    return {"fps": show.log.fps.per_second(swap - show.t0), "preset": show.state.preset,
            "energy": e, "latency_ms": lat.last() if len(lat) else 0.0,
            "dropped": show.log.drops, "fault": show.faults.active() or "",
            "midi": show.midi.status() if show.midi else "",
            "dmx": show.dmx.status(swap) if show.dmx else "",
            "web": (show.web.url() if show.config.web_hud_token else show.web.status())
            if show.web else "",
            "scale": show.render_scale.scale, "master": show.state.master,
            "set": set_line(show)}


def summary(show, seconds: float) -> Summary:
    t, osc, audio, rs = show.log, show.osc, show.audio, show.render_scale
    tempo = "; ".join(x for x in (show.tempo.report(), show.controls.quantiser.report(),
                                  *(f.report() for f in show.feeds),
                                  show.dmx.report() if show.dmx else "",
                                  show.refine.status() if show.refine else "") if x)
    decoder = getattr(show.stage.source, "name", "none")
    details = {
        "frame_ms": t.frame_ms.summary(), "busy_ms": t.busy_ms.summary(),
        "latency_ms": t.latency_ms.summary(), "energy_age_ms": t.energy_age_ms.summary(),
        "period_ms": round(show.period * 1000.0, 3),
        "audio": {"input": audio.name, "kind": audio.kind, "rate": audio.rate,
                  "hops": audio.hops, "hop_seconds": show.config.params.hop /
                  show.config.params.sr, "overruns": audio.overruns,
                  "status_flags": audio.status_flags,
                  "max_publication_gap_ms": round(audio.max_gap_ms, 3),
                  "max_publication_gap_at_s": round(audio.max_gap_at - show.t0, 3),
                  "published_from_s": round(audio.published()[0] - show.t0, 3),
                  "published_to_s": round(audio.published()[1] - show.t0, 3),
                  "restarts": audio.restarts, "spares_used": audio.spares_used,
                  "nice": audio.nice},
        "render_scale": {"scale": rs.scale, "bicubic": rs.bicubic,
                         "fixed": rs.fixed is not None, "lowest": rs.lowest,
                         "changes": [{"t": round(w - show.t0, 3), "scale": s}
                                     for w, s in rs.changes]},
        "faults": [{"t": round(when - (show.t0 - show.faults.t0), 3), "part": part,
                    "message": msg, "kind": kind}
                   for when, part, msg, kind in list(show.faults.events)],
        "fault_list": show.faults.listing(),
        "scene_cuts": list(show.scene_cuts),
        "preset": show.state.preset, "bank": show.state.bank,
        "state": show.state.snapshot(),
        "osc": {"packets": osc.stats.packets, "good": osc.stats.good, "bad": osc.stats.bad,
                "by_kind": dict(osc.stats.by_kind)} if osc else None,
        "dmx": show.dmx.summary() if show.dmx else None,
        "refine": {"model": show.refine.refiner.name, "refined": show.refine.refined,
                   "unrefined": show.refine.unrefined, "behind_at_end": show.refine.behind,
                   "ms": show.refine.times.summary() if len(show.refine.times) else None}
        if show.refine else None,
        "web": {**vars(show.web.stats), "by_kind": dict(show.web.stats.by_kind),
                "applied": show.web_control.applied} if show.web else None,
        "tempo": tempo,
        "set": show.set.report() if show.set else None, "restarts": restarts(),
        "last_frame_s": round(show.last_frame_at - show.t0, 4),
        "ended_at": time.time(),          # wall clock (epoch): when the loop ended
    }
    return Summary(
        t.frames, seconds, t.drops, t.frames / max(seconds, 1e-9),
        t.frame_ms.percentile(50), t.frame_ms.percentile(99), t.longest_ms,
        show.decoder.decode_ms.percentile(50), show.decoder.decode_ms.count / max(seconds, 1e-9),
        t.latency_ms.percentile(50), osc.stats.packets if osc else 0,
        osc.stats.bad if osc else 0, decoder, audio.overruns, audio.status_flags,
        show.faults.listing(), tempo=tempo, render=rs.describe(), details=details)


def live_status(show) -> dict:
    """``/vj/status`` as it is now: the measurements of the last housekeeping (twice a
    second) with the state read at the moment of asking, so every surface reports a
    preset change from any other within a frame."""
    st = show.state
    return {**show.status, "preset": st.preset, "master": st.master, "set": set_line(show)}


def set_line(show) -> str:
    """The set list and the supervisor's restarts in one line ("" for neither)."""
    n = restarts()
    return " ".join(x for x in (show.set.line() if show.set else "",
                                f"(restarted {n}x)" if n else "") if x)


def write_json(s: Summary, path: str) -> None:
    """The summary as JSON (a failure to write is one line on stderr: the show is over
    and its summary is printed anyway)."""
    import sys

    try:
        with open(path, "w") as f:
            json.dump(s.as_dict(), f, indent=1)
            f.write("\n")
    except OSError as e:
        print(f"vj: cannot write the summary to {path}: {e.strerror}", file=sys.stderr)
