"""`vj demo`: the whole image-mode path end to end, with nothing downloaded.

Makes a song (drums and chords with an arrangement), a set of procedural
artworks, an image bank from them, and renders the show to an MP4 with the
song as its soundtrack.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vj.audio.synth import drum_and_chords
from vj.bank import save_bank
from vj.generate.artwork import write_artworks
from vj.generate.images import image_bank
from vj.record.render import RecordResult, record

DEMO_SR = 44100


def write_demo_song(path: Path, duration: float = 30.0, bpm: float = 120.0) -> Path:
    import soundfile as sf

    y = drum_and_chords(sr=DEMO_SR, duration=duration, bpm=bpm, seed=7)
    # A touch of width: the right channel is delayed by 0.4 ms.
    d = int(0.0004 * DEMO_SR)
    stereo = np.stack([y, np.concatenate([np.zeros(d, np.float32), y[:-d]])], axis=1)
    sf.write(path, stereo, DEMO_SR, subtype="PCM_16")
    return path


def run_demo(out_dir: str | Path, *, duration: float = 30.0, size: int = 512, fps: int = 30,
             keyframes: int = 8, segment: float = 4.0, progress: bool = True) -> RecordResult:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    song = write_demo_song(out / "demo-song.wav", duration)
    arts = write_artworks(out / "artwork", keyframes, size)
    bank = image_bank(arts, size=size, genre="electronic", name="demo")
    save_bank(bank, out / "demo-bank", force=True)
    return record(str(song), bank, str(out / "vj-demo.mp4"), fps=fps, size=size,
                  interp="energy", segment=segment, fx="electronic", progress=progress)
