"""The HUD: a few lines of text rasterised with Pillow a few times a second
(never every frame) and drawn over the picture by shaders/hud.frag."""
from __future__ import annotations

import numpy as np

UPDATE_HZ = 4.0


def _bar(x: float, width: int = 10) -> str:
    x = 0.0 if not x > 0 else min(1.0, x)
    n = int(round(x * width))
    return "#" * n + "." * (width - n)


class Hud:
    def __init__(self) -> None:
        self._next = 0.0
        self._font = None

    def due(self, now: float) -> bool:
        if now >= self._next:
            self._next = now + 1.0 / UPDATE_HZ
            return True
        return False

    @staticmethod
    def lines(v: dict) -> list[str]:
        out = [f"render {v['fps']:5.1f} fps   decode {v.get('decode_fps', 0.0):5.1f} fps "
               f"{v['decode_ms']:5.1f} ms ({v['decoder']})",
               f"audio-to-photon {v['latency_ms']:5.1f} ms   {v['target']}"
               + (f"   scale {v['scale']:g}" if v.get("scale", 1.0) != 1.0 else ""),
               f"input {_bar((v.get('level', -120.0) + 60.0) / 60.0)} {v.get('level', -120.0):4.0f} dB"
               f"   ring overruns {v.get('overruns', 0)}",
               f"P {_bar(v['P'])}  H {_bar(v['H'])}  E {_bar(v['E'])}",
               f"preset {v['preset']}   bank {v['bank']}"
               + (f"   next: {v['next']}" if v.get("next") else ""),
               f"OSC {v['osc'][0]} packets, {v['osc'][1]} errors"
               + (f"   tempo {v['bpm']:.1f} bpm ({v.get('tempo_source') or '-'})"
                  if v.get("bpm") else "")]
        for part in ("set", "midi", "dmx", "web", "refine"):
            if v.get(part):
                out.append(v[part][:80])
        if v.get("fault"):
            out.append(f"FAULT: {v['fault']}")
        if v.get("shader"):
            out.append(f"SHADER ERROR: {str(v['shader']).splitlines()[0][:70]}")
        return out

    def render(self, values: dict) -> np.ndarray:
        from PIL import Image, ImageDraw, ImageFont

        if self._font is None:
            self._font = ImageFont.load_default()
        text = "\n".join(self.lines(values))
        probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
        x0, y0, x1, y1 = probe.multiline_textbbox((0, 0), text, font=self._font, spacing=3)
        im = Image.new("RGBA", (x1 - x0 + 16, y1 - y0 + 12), (0, 0, 0, 160))
        ImageDraw.Draw(im).multiline_text((8, 6 - y0), text, font=self._font,
                                          fill=(255, 255, 255, 255), spacing=3)
        return np.asarray(im)
