"""Synthetic music for the demo, the tests and the benchmarks.

Everything here is generated from a seed, so the project never needs a
third-party recording: a click train, sustained chords, a drum kit and a
drum-and-chord song with an arrangement (intro, groove, breakdown, drop).
"""
from __future__ import annotations

import numpy as np

#: Equal-tempered frequency of MIDI note 69 (A4).
A4_HZ = 440.0


def midi_hz(note: float) -> float:
    return A4_HZ * 2.0 ** ((note - 69) / 12.0)


def click_train(*, sr: int, duration: float, bpm: float = 120.0, offset: float = 0.5,
                click_ms: float = 2.0, amplitude: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Broadband clicks (short decaying noise bursts) at ``bpm``.

    Returns the signal and the click times in seconds.
    """
    n = int(round(duration * sr))
    y = np.zeros(n, dtype=np.float32)
    period = 60.0 / bpm
    times = np.arange(offset, duration - click_ms / 1000.0, period)
    rng = np.random.default_rng(0)
    length = max(1, int(click_ms / 1000.0 * sr))
    env = np.exp(-np.linspace(0.0, 6.0, length)).astype(np.float32)
    for t in times:
        i = int(round(t * sr))
        burst = rng.uniform(-1.0, 1.0, length).astype(np.float32) * env * amplitude
        y[i:i + length] += burst[: n - i]
    return y, times


def chord(*, sr: int, duration: float, notes=(57, 60, 64, 67), amplitude: float = 0.5,
          attack: float = 0.3, release: float = 0.3) -> np.ndarray:
    """A sustained chord of soft sawtooth-like partials with slow attack and release."""
    n = int(round(duration * sr))
    t = np.arange(n) / sr
    y = np.zeros(n, dtype=np.float64)
    for note in notes:
        f = midi_hz(note)
        for h in range(1, 6):
            if f * h < sr / 2:
                y += np.sin(2 * np.pi * f * h * t) / h
    env = np.ones(n)
    a, r = int(attack * sr), int(release * sr)
    if a:
        env[:a] = np.linspace(0.0, 1.0, a)
    if r:
        env[-r:] = np.minimum(env[-r:], np.linspace(1.0, 0.0, r))
    y *= env
    peak = np.max(np.abs(y)) or 1.0
    return (y / peak * amplitude).astype(np.float32)


def _kick(sr: int, rng) -> np.ndarray:
    n = int(0.25 * sr)
    t = np.arange(n) / sr
    freq = 50.0 + 100.0 * np.exp(-t * 30.0)
    phase = 2 * np.pi * np.cumsum(freq) / sr
    click = rng.uniform(-1, 1, n) * np.exp(-t * 400.0) * 0.5
    return (np.sin(phase) * np.exp(-t * 12.0) + click).astype(np.float32)


def _snare(sr: int, rng) -> np.ndarray:
    n = int(0.2 * sr)
    t = np.arange(n) / sr
    noise = rng.uniform(-1, 1, n) * np.exp(-t * 25.0)
    tone = np.sin(2 * np.pi * 190.0 * t) * np.exp(-t * 30.0) * 0.5
    return ((noise + tone) * 0.7).astype(np.float32)


def _hat(sr: int, rng) -> np.ndarray:
    n = int(0.05 * sr)
    t = np.arange(n) / sr
    noise = rng.uniform(-1, 1, n)
    noise = np.diff(noise, prepend=0.0)  # tilt towards the highs
    return (noise * np.exp(-t * 90.0) * 0.25).astype(np.float32)


def _place(y: np.ndarray, sample: np.ndarray, t: float, sr: int, gain: float = 1.0) -> None:
    i = int(round(t * sr))
    if i >= len(y):
        return
    m = min(len(sample), len(y) - i)
    y[i:i + m] += sample[:m] * gain


def drum_pattern(*, sr: int, duration: float, bpm: float = 120.0, seed: int = 0,
                 start: float = 0.0, end: float | None = None,
                 kick=True, snare=True, hats=True) -> tuple[np.ndarray, np.ndarray]:
    """A four-on-the-floor pattern: kick on every beat, snare on 2 and 4, eighth hats.

    Returns the signal and the times of the kicks and snares (the hits).
    """
    rng = np.random.default_rng(seed)
    n = int(round(duration * sr))
    y = np.zeros(n, dtype=np.float32)
    k, s, h = _kick(sr, rng), _snare(sr, rng), _hat(sr, rng)
    beat = 60.0 / bpm
    end = duration if end is None else end
    hits = []
    t, i = start, 0
    while t < end - 1e-9:
        if kick:
            _place(y, k, t, sr)
            hits.append(t)
        if snare and i % 2 == 1:
            _place(y, s, t, sr)
            if not kick:
                hits.append(t)
        if hats:
            _place(y, h, t + beat / 2, sr)
        t += beat
        i += 1
    return y, np.asarray(hits)


def drum_and_chords(*, sr: int = 22050, duration: float = 32.0, bpm: float = 120.0,
                    seed: int = 0) -> np.ndarray:
    """A drum-and-chord mix with a changing arrangement, normalised to -1 dBFS.

    Bars 1-2: chords alone; then drums and chords; a breakdown (chords and hats)
    in the middle; then the full groove again.
    """
    beat = 60.0 / bpm
    bar = 4 * beat
    n = int(round(duration * sr))
    y = np.zeros(n, dtype=np.float32)
    progression = [(57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62)]
    t, i = 0.0, 0
    while t < duration:
        d = min(2 * bar, duration - t)
        c = chord(sr=sr, duration=d, notes=progression[i % 4], amplitude=0.35,
                  attack=0.05, release=0.1)
        _place(y, c, t, sr)
        t += 2 * bar
        i += 1
    intro = min(2 * bar, duration)
    mid0, mid1 = duration * 0.5, duration * 0.5 + 2 * bar
    d1, _ = drum_pattern(sr=sr, duration=duration, bpm=bpm, seed=seed, start=intro, end=mid0)
    d2, _ = drum_pattern(sr=sr, duration=duration, bpm=bpm, seed=seed + 1, start=mid0,
                         end=min(mid1, duration), kick=False, snare=False)
    d3, _ = drum_pattern(sr=sr, duration=duration, bpm=bpm, seed=seed + 2,
                         start=min(mid1, duration))
    y += d1 + d2 + d3
    peak = float(np.max(np.abs(y))) or 1.0
    return (y / peak * 10 ** (-1 / 20)).astype(np.float32)
