"""Writing MP4 files with PyAV: H.264 video with the song's audio as AAC.

Frames stream straight to the encoder and the audio is interleaved as the
video advances, so memory stays flat however long the song is.  The file is
written under a temporary name beside the target and renamed at the end: a
crash or Ctrl-C never leaves a partial file that looks complete.
"""
from __future__ import annotations

import math
import os
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from vj.audio.sources import iter_decoded, open_audio
from vj.errors import AudioError, OutputError
from vj.runtime.files import publish

AUDIO_RATE = 48000


def check_output(path: str | os.PathLike) -> Path:
    p = Path(path)
    if p.suffix.lower() not in (".mp4", ".mov", ".mkv"):
        raise OutputError(f"{p}: the output must end in .mp4, .mov or .mkv")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{p}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{p}: the folder {parent} is not writable")
    if p.is_dir():
        raise OutputError(f"{p}: is a folder")
    return p


def _decoded_frames(song: str):
    """The song as stereo AudioFrames at 48 kHz, through :func:`iter_decoded` (for the
    files that only libsndfile reads)."""
    import av

    for mono in iter_decoded(song, sr=AUDIO_RATE, chunk=AUDIO_RATE // 4):
        x = np.ascontiguousarray(np.stack([mono, mono]))
        f = av.AudioFrame.from_ndarray(x, format="fltp", layout="stereo")
        f.sample_rate = AUDIO_RATE
        yield f


class _AudioTrack:
    """Decodes the song, converts it to 48 kHz stereo and encodes AAC on demand."""

    def __init__(self, container, song: str, start: float, duration: float) -> None:
        import av

        try:
            self._in, stream = open_audio(song)
            self._frames = self._in.decode(stream)
        except AudioError:  # a file only libsndfile reads (mixed down to mono)
            self._in, self._frames = None, _decoded_frames(song)
        self._resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
        self.stream = container.add_stream("aac", rate=AUDIO_RATE)
        self.stream.layout = "stereo"
        self.stream.bit_rate = 192_000
        self._skip = int(round(start * AUDIO_RATE))    # samples to drop at the start
        # samples still to write (None: all of the song)
        self._left = int(round(duration * AUDIO_RATE)) if math.isfinite(duration) else 1 << 62
        self._pts = 0
        self._done = False
        self._container = container

    @property
    def time(self) -> float:
        return self._pts / AUDIO_RATE

    def write_until(self, t: float) -> None:
        while not self._done and self.time < t:
            self._write_next()

    def _write_next(self) -> None:
        import av

        try:
            frame = next(self._frames)
            converted = self._resampler.resample(frame)
        except StopIteration:
            converted = self._resampler.resample(None)
            self._done = True
        except av.FFmpegError:  # damaged tail: stop the audio here
            converted, self._done = [], True
        for f in converted:
            x = f.to_ndarray()
            if self._skip:
                cut = min(self._skip, x.shape[1])
                x, self._skip = x[:, cut:], self._skip - cut
            x = x[:, : self._left]
            if x.shape[1] == 0:
                continue
            self._left -= x.shape[1]
            out = av.AudioFrame.from_ndarray(np.ascontiguousarray(x), format="fltp",
                                             layout="stereo")
            out.sample_rate = AUDIO_RATE
            out.pts = self._pts
            out.time_base = Fraction(1, AUDIO_RATE)
            self._pts += x.shape[1]
            for packet in self.stream.encode(out):
                self._container.mux(packet)
        if self._left <= 0:
            self._done = True

    def close(self) -> None:
        self.write_until(float("inf"))
        for packet in self.stream.encode(None):
            self._container.mux(packet)
        if self._in is not None:
            self._in.close()


class VideoWriter:
    """``with VideoWriter(path, w, h, fps, song=...) as vw: vw.write(rgb)``.

    Encoding and muxing run on a thread of their own (``threaded=True``, the
    default): :meth:`write` converts the frame and queues it, so drawing the
    next frame overlaps encoding this one.  The queue is bounded, so a slow
    encoder slows the producer instead of filling memory.
    """

    def __init__(self, path: str | os.PathLike, width: int, height: int, fps: int, *,
                 song: str | None = None, start: float = 0.0, duration: float | None = None,
                 crf: int = 18, preset: str = "veryfast", threaded: bool = True) -> None:
        import av

        self.path = check_output(path)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=self.path.suffix,
                                       dir=self.path.parent if str(self.path.parent) else ".")
        except OSError as e:
            raise OutputError(f"{self.path}: cannot write in {self.path.parent} "
                              f"({e.strerror})") from None
        os.close(fd)
        self._tmp = Path(tmp)
        self.fps = int(fps)
        self.frames = 0
        try:
            self._container = av.open(str(self._tmp), mode="w")
            vs = self._container.add_stream("libx264", rate=self.fps)
            vs.width, vs.height = int(width), int(height)
            vs.pix_fmt = "yuv420p"
            vs.options = {"crf": str(crf), "preset": preset}
            vs.codec_context.time_base = Fraction(1, self.fps)
            self._video = vs
            self._audio = None
            if song is not None:
                self._audio = _AudioTrack(self._container, song, start,
                                          duration if duration is not None else float("inf"))
        except BaseException:
            self._discard()
            raise
        self._queue = self._thread = self._error = None
        if threaded:
            import queue
            import threading

            self._queue = queue.Queue(maxsize=8)
            self._thread = threading.Thread(target=self._run, name="vj-encoder", daemon=True)
            self._thread.start()

    def write(self, rgb: np.ndarray) -> None:
        """Queue one RGB frame (uint8, H x W x 3); the array may be reused afterwards."""
        import av

        if self._error is not None:
            self._discard()
            raise self._io_error(self._error)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")  # copies the pixels
        frame.pts = self.frames
        frame.time_base = Fraction(1, self.fps)
        self.frames += 1
        if self._queue is None:
            try:
                self._encode(frame)
            except OSError as e:
                self._discard()
                raise self._io_error(e) from None
        else:
            while True:  # wait for room, but notice a dead encoder
                try:
                    self._queue.put(frame, timeout=0.5)
                    break
                except Exception:
                    if self._error is not None:
                        self._discard()
                        raise self._io_error(self._error) from None

    def _encode(self, frame) -> None:
        for packet in self._video.encode(frame):
            self._container.mux(packet)
        if self._audio is not None:
            self._audio.write_until((frame.pts + 1) / self.fps + 0.5)

    def _run(self) -> None:
        while True:
            frame = self._queue.get()
            if frame is None:
                return
            if self._error is None:
                try:
                    self._encode(frame)
                except BaseException as e:  # reported to the producer
                    self._error = e

    def _stop_thread(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def close(self) -> Path:
        self._stop_thread()
        if self._error is not None:
            self._discard()
            raise self._io_error(self._error)
        try:
            for packet in self._video.encode(None):
                self._container.mux(packet)
            if self._audio is not None:
                self._audio.close()
            self._container.close()
            self._container = None
            publish(self._tmp)   # what a new file gets (mkstemp made it 0600)
            os.replace(self._tmp, self.path)
        except (OSError, ValueError) as e:  # av's errors are OSErrors: a full disk, ...
            self._discard()
            raise self._io_error(e) from None
        return self.path

    def _io_error(self, e: BaseException) -> BaseException:
        """A write failure as one line for the user (other errors pass unchanged)."""
        if not isinstance(e, OSError):
            return e
        why = getattr(e, "strerror", None) or str(e)
        return OutputError(f"{self.path}: writing the video failed ({why}); nothing was kept")

    def _discard(self) -> None:
        try:
            if getattr(self, "_thread", None) is not None:
                self._stop_thread()
        except Exception:
            pass
        try:
            if getattr(self, "_container", None) is not None:
                c, self._container = self._container, None
                c.close()
        except Exception:
            pass
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._discard()


def read_video_info(path: str | os.PathLike) -> dict:
    """Decode a video again: frame count, fps, size, duration, and the audio length."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = sum(1 for _ in c.decode(v))
        info = {"frames": frames, "fps": float(v.average_rate), "width": v.codec_context.width,
                "height": v.codec_context.height,
                "duration": frames / float(v.average_rate), "audio_seconds": None}
    with av.open(str(path)) as c:
        if c.streams.audio:
            a = c.streams.audio[0]
            n = sum(f.samples for f in c.decode(a))
            info["audio_seconds"] = n / a.codec_context.sample_rate
    return info
