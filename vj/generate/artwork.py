"""Procedural artwork for the demo: abstract compositions in the spirit of
Bauhaus-era painting (circles with rings, bars, arcs, triangles on a colour
field), made from a seed, so the project ships no third-party images."""
from __future__ import annotations

import numpy as np

PALETTES = [
    ["#1b1b3a", "#e63946", "#f1c453", "#2a9d8f", "#f4f1de", "#264653"],
    ["#0b132b", "#ff6b35", "#f7c59f", "#004e89", "#efefd0", "#1a659e"],
    ["#2b2d42", "#ef233c", "#edf2f4", "#8d99ae", "#ffb703", "#219ebc"],
    ["#10002b", "#e0aaff", "#9d4edd", "#ff9e00", "#3c096c", "#ffd60a"],
    ["#081c15", "#d8f3dc", "#40916c", "#ff5400", "#ffbd00", "#1b4332"],
    ["#370617", "#f48c06", "#faa307", "#03071e", "#e85d04", "#ffba08"],
]


def _rgb(hex_: str) -> tuple[int, int, int]:
    return tuple(int(hex_[i:i + 2], 16) for i in (1, 3, 5))


def artwork(seed: int, size: int = 512, supersample: int = 2):
    """One composition as a PIL RGB image of ``size`` x ``size``."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(seed)
    pal = [_rgb(c) for c in PALETTES[seed % len(PALETTES)]]
    S = size * supersample
    # Background: a vertical gradient between two palette colours.
    c0, c1 = np.array(pal[0], float), np.array(pal[int(rng.integers(1, len(pal)))], float) * 0.35
    ramp = np.linspace(0, 1, S)[:, None, None]
    bg = (c0 * (1 - ramp) + c1 * ramp).repeat(S, axis=1).astype(np.uint8)
    im = Image.fromarray(bg, "RGB")
    d = ImageDraw.Draw(im)

    def col():
        return pal[int(rng.integers(1, len(pal)))]

    for _ in range(int(rng.integers(3, 6))):  # colour fields (rotated bars)
        x, y = rng.uniform(0, S, 2)
        w, h = rng.uniform(0.05, 0.5) * S, rng.uniform(0.02, 0.08) * S
        a = rng.uniform(0, np.pi)
        dx, dy = np.cos(a), np.sin(a)
        pts = [(x - dx * w - dy * h, y - dy * w + dx * h), (x + dx * w - dy * h, y + dy * w + dx * h),
               (x + dx * w + dy * h, y + dy * w - dx * h), (x - dx * w + dy * h, y - dy * w - dx * h)]
        d.polygon(pts, fill=col())
    for _ in range(int(rng.integers(2, 5))):  # circles with concentric rings
        x, y = rng.uniform(0.15, 0.85, 2) * S
        r = rng.uniform(0.06, 0.22) * S
        for k in range(int(rng.integers(1, 4)), 0, -1):
            rr = r * k / 3 + r / 3
            d.ellipse([x - rr, y - rr, x + rr, y + rr], fill=col())
    for _ in range(int(rng.integers(2, 4))):  # triangles
        cx, cy = rng.uniform(0.1, 0.9, 2) * S
        r = rng.uniform(0.05, 0.15) * S
        a0 = rng.uniform(0, 2 * np.pi)
        d.polygon([(cx + r * np.cos(a0 + k * 2.094), cy + r * np.sin(a0 + k * 2.094))
                   for k in range(3)], fill=col())
    for _ in range(int(rng.integers(4, 9))):  # thin lines and arcs
        x0, y0, x1, y1 = rng.uniform(0, S, 4)
        wdt = max(1, int(rng.uniform(0.003, 0.012) * S))
        if rng.random() < 0.5:
            d.line([(x0, y0), (x1, y1)], fill=col(), width=wdt)
        else:
            box = [min(x0, x1), min(y0, y1), max(x0, x1) + 1, max(y0, y1) + 1]
            d.arc(box, rng.uniform(0, 360), rng.uniform(0, 360), fill=col(), width=wdt)
    im = im.filter(ImageFilter.GaussianBlur(supersample * 0.5))
    return im.resize((size, size), Image.Resampling.LANCZOS)


def write_artworks(folder, count: int, size: int = 512, *, prefix: str = "art-") -> list:
    """``count`` procedural pictures (seeds 0..count-1) saved as PNG in ``folder``."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{prefix}{i:02d}.png"
        artwork(seed=i, size=size).save(path)
        paths.append(path)
    return paths
