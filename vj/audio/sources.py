"""Where audio comes from: files (PyAV, with libsndfile as a fallback) and the list of
live inputs (sounddevice; the live stream itself is :mod:`vj.engine.capture`, in the
audio process).

Files are handed out as mono float32 at the analysis rate.  This module is one of
the edges of the program: it opens files and devices and turns their failures
into :class:`~vj.errors.AudioError` messages that name the file or device.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from vj.audio.energy import ANALYSIS_SR
from vj.errors import AudioError, ParameterError

MIN_RATE, MAX_RATE = 8000, 192000
#: Tracker modules: note data and instruments, not recorded audio.
TRACKER_SUFFIXES = frozenset((".xm", ".mod", ".it", ".s3m", ".mptm", ".669", ".mtm", ".stm",
                              ".med", ".okt", ".umx"))


@dataclass(frozen=True)
class AudioInfo:
    path: str
    sample_rate: int
    channels: int
    duration: float  # seconds, from the container (may be an estimate)
    codec: str


def _check_file(path: str | os.PathLike) -> Path:
    p = Path(path)
    if not p.exists():
        raise AudioError(f"{p}: no such file")
    if p.is_dir():
        raise AudioError(f"{p}: is a folder, not an audio file")
    if p.stat().st_size == 0:
        raise AudioError(f"{p}: the file is empty (0 bytes)")
    if not os.access(p, os.R_OK):
        raise AudioError(f"{p}: the file is not readable (permission denied)")
    if p.suffix.lower() in TRACKER_SUFFIXES:
        raise AudioError(f"{p}: tracker modules ({p.suffix.lower()}) are not supported; render "
                         "it to WAV or FLAC first (for example: openmpt123 --render FILE)")
    return p


def open_audio(path: str | os.PathLike):
    """Open ``path`` with PyAV and return ``(container, audio_stream)``.

    Raises :class:`AudioError` with the file name and the reason when the file
    is missing, empty, not a media file, or has no audio stream.
    """
    import av

    p = _check_file(path)
    try:
        container = av.open(str(p), mode="r")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as e:
        raise AudioError(f"{p}: not a readable audio file ({_reason(e)})") from None
    streams = [s for s in container.streams if s.type == "audio"]
    if not streams:
        container.close()
        raise AudioError(f"{p}: the file has no audio stream")
    stream = streams[0]
    rate = stream.codec_context.sample_rate or stream.rate or 0
    if not MIN_RATE <= rate <= MAX_RATE:
        container.close()
        raise AudioError(f"{p}: sample rate {rate} Hz is outside {MIN_RATE}..{MAX_RATE} Hz")
    return container, stream


def _reason(e: Exception) -> str:
    text = getattr(e, "strerror", None) or str(e)
    return text.split(":")[-1].strip() if ":" in text and "[Errno" in text else text


def _soundfile_info(path):
    """libsndfile's view of ``path`` (None when it cannot read it either)."""
    try:
        import soundfile as sf

        info = sf.info(str(path))
    except Exception:
        return None
    if not (MIN_RATE <= info.samplerate <= MAX_RATE and info.frames > 0):
        return None
    return info


def probe(path: str | os.PathLike) -> AudioInfo:
    """Sample rate, channel count and duration of an audio file, without decoding it."""
    try:
        container, stream = open_audio(path)
    except AudioError:
        info = _soundfile_info(_check_file(path))
        if info is None:
            raise
        return AudioInfo(str(path), int(info.samplerate), int(info.channels),
                         info.frames / info.samplerate, f"libsndfile {info.format}")
    try:
        ctx = stream.codec_context
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        else:
            duration = 0.0
        return AudioInfo(str(path), int(ctx.sample_rate), int(ctx.channels), duration, ctx.name)
    finally:
        container.close()


def iter_decoded(path: str | os.PathLike, *, sr: int | None = ANALYSIS_SR,
                 chunk: int = 1 << 16) -> Iterator[np.ndarray]:
    """Decode ``path`` to mono float32 at ``sr`` (None keeps the file's rate),
    yielding chunks as they are decoded: memory stays bounded by ``chunk``
    whatever the file's length, rate or channel count.  FFmpeg (PyAV) decodes;
    a file it cannot read is tried with libsndfile before it is refused."""
    got = False
    try:
        for c in _iter_pyav(path, sr=sr, chunk=chunk):
            got = True
            yield c
    except AudioError:
        if got or _soundfile_info(_check_file(path)) is None:
            raise
        yield from _iter_soundfile(path, sr=sr, chunk=chunk)


def _iter_soundfile(path, *, sr: int | None, chunk: int) -> Iterator[np.ndarray]:
    import soundfile as sf
    import soxr

    with sf.SoundFile(str(path)) as f:
        resampler = None
        if sr is not None and sr != f.samplerate:
            resampler = soxr.ResampleStream(f.samplerate, sr, 1, dtype="float32", quality="HQ")
        for block in f.blocks(blocksize=chunk, dtype="float32", always_2d=True):
            mono = block.mean(axis=1, dtype=np.float32)
            if resampler is not None:
                mono = resampler.resample_chunk(mono, last=False)
            if len(mono):
                yield np.asarray(mono, np.float32)
        if resampler is not None:
            tail = resampler.resample_chunk(np.zeros(0, np.float32), last=True)
            if len(tail):
                yield np.asarray(tail, np.float32)


def _iter_pyav(path, *, sr: int | None, chunk: int) -> Iterator[np.ndarray]:
    import av
    import soxr

    container, stream = open_audio(path)
    in_rate = int(stream.codec_context.sample_rate)
    to_float = av.AudioResampler(format="fltp")  # any sample format -> planar float
    resampler = None
    if sr is not None and sr != in_rate:
        resampler = soxr.ResampleStream(in_rate, sr, 1, dtype="float32", quality="HQ")
    pending: list[np.ndarray] = []
    size = 0
    got_any = False
    try:
        try:
            for frame in container.decode(stream):
                for f in to_float.resample(frame):
                    x = f.to_ndarray()  # channels x samples
                    mono = x.mean(axis=0, dtype=np.float32) if x.shape[0] > 1 else x[0]
                    if resampler is not None:
                        mono = resampler.resample_chunk(mono, last=False)
                    if len(mono):
                        got_any = True
                        pending.append(np.asarray(mono, np.float32))
                        size += len(mono)
                    if size >= chunk:
                        yield np.concatenate(pending)
                        pending, size = [], 0
        except av.FFmpegError as e:
            if not got_any:
                raise AudioError(f"{path}: the audio data cannot be decoded ({_reason(e)})") from None
            # A damaged tail: keep what decoded, as players do.
        if resampler is not None:
            tail = resampler.resample_chunk(np.zeros(0, np.float32), last=True)
            if len(tail):
                pending.append(np.asarray(tail, np.float32))
        if pending:
            yield np.concatenate(pending)
        if not got_any:
            raise AudioError(f"{path}: the audio stream contains no samples")
    finally:
        container.close()


def load(path: str | os.PathLike, *, sr: int = ANALYSIS_SR, start: float = 0.0,
         duration: float | None = None) -> np.ndarray:
    """The whole file (or ``start``..``start+duration`` seconds) as mono float32 at ``sr``."""
    if start < 0 or (duration is not None and duration <= 0):
        raise ParameterError(f"start={start}, duration={duration}: start must be >= 0 and "
                             "duration > 0")
    y = np.concatenate(list(iter_decoded(path, sr=sr)))
    a = int(round(start * sr))
    b = len(y) if duration is None else a + int(round(duration * sr))
    if a >= len(y):
        raise AudioError(f"{path}: start={start:g} s is past the end of the audio "
                         f"({len(y) / sr:.2f} s)")
    return y[a:b]


class FileSource:
    """A decoded file, handed out in hops with their stream times (rehearsal,
    `vj record`, tests).  The file is decoded once, at construction."""

    def __init__(self, path: str | os.PathLike, *, sr: int = ANALYSIS_SR, start: float = 0.0,
                 duration: float | None = None) -> None:
        self.path = str(path)
        self.sr = sr
        self.samples = load(path, sr=sr, start=start, duration=duration)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sr

    def blocks(self, hop: int) -> Iterator[tuple[float, np.ndarray]]:
        """Consecutive ``hop``-sample views with the time of their first sample;
        the last partial hop is zero-padded."""
        y = self.samples
        for i in range(0, len(y), hop):
            b = y[i:i + hop]
            if len(b) < hop:
                b = np.pad(b, (0, hop - len(b)))
            yield i / self.sr, b


# -- live input --------------------------------------------------------------------------

def _sounddevice():
    try:
        import sounddevice
    except OSError as e:  # the PortAudio shared library is missing
        raise AudioError(f"live audio is unavailable: {e} (install PortAudio: "
                         "apt-get install libportaudio2)") from None
    return sounddevice


def input_devices() -> list[dict]:
    """The audio inputs PortAudio sees: index, name, channels, default rate."""
    sd = _sounddevice()
    out = []
    for i, d in enumerate(sd.query_devices()):
        if d["max_input_channels"] > 0:
            out.append({"index": i, "name": d["name"], "channels": d["max_input_channels"],
                        "samplerate": d["default_samplerate"]})
    return out


def resolve_input(device: int | str | None) -> dict:
    """Find an input by index, exact name or case-insensitive part of its name."""
    devices = input_devices()
    if not devices:
        raise AudioError("no audio input devices found")
    if device is None or device == "":
        sd = _sounddevice()
        default = sd.default.device[0]
        for d in devices:
            if d["index"] == default:
                return d
        return devices[0]
    names = ", ".join(f"{d['index']}: {d['name']}" for d in devices)
    if isinstance(device, int) or (isinstance(device, str) and device.isdigit()):
        for d in devices:
            if d["index"] == int(device):
                return d
        raise AudioError(f"audio input {device} does not exist; inputs are: {names}")
    matches = [d for d in devices if d["name"] == device] or \
              [d for d in devices if device.lower() in d["name"].lower()]
    if len(matches) != 1:
        what = "matches no" if not matches else "matches more than one"
        raise AudioError(f"audio input {device!r} {what} input; inputs are: {names}")
    return matches[0]
