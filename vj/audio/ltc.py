"""Linear timecode (SMPTE 12M LTC) read from an audio channel with Debian's libltc
(x42's, LGPL-3.0), through ctypes: push samples with their position in the stream,
pull whole frames, each with the sample span it came from, so the timecode lines up
with the capture's clock sample for sample.  libltc follows varispeed by tracking the
bit period; this module only drains its queue after every write and turns each
frame's BCD fields into seconds.

libltc rather than a decoder of our own: it is maintained, used by Ardour and xjadeo,
and it handles reverse play, level changes and jitter that a fresh biphase decoder
would have to learn.  The tests use an encoder of their own (not libltc's).
"""
from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

from vj.audio.timecode import DROP_FPS, tc_seconds
from vj.errors import AudioError

#: sizeof(LTCFrameExt) with libltc 1.3 on a 64-bit Linux: the 80 bits in 12 bytes,
#: two 64-bit offsets at 16 and 24, ``reverse`` at 32, 80 float tics, two bytes and a
#: double: 368.  A larger buffer is harmless.
FRAME_EXT_SIZE = 512
OFF_START, OFF_END, REVERSE = 16, 24, 32
_lib = None


def library():
    """libltc, loaded once (AudioError naming the package where it is missing)."""
    global _lib
    if _lib is None:
        name = ctypes.util.find_library("ltc") or "libltc.so.11"
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            raise AudioError("LTC needs libltc: apt-get install libltc11 (make test and make "
                             "demo install it)") from None
        lib.ltc_decoder_create.restype = ctypes.c_void_p
        lib.ltc_decoder_create.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.ltc_decoder_free.argtypes = [ctypes.c_void_p]
        lib.ltc_decoder_write_float.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                                ctypes.c_size_t, ctypes.c_longlong]
        lib.ltc_decoder_read.restype = ctypes.c_int
        lib.ltc_decoder_read.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.ltc_decoder_queue_length.restype = ctypes.c_int
        lib.ltc_decoder_queue_length.argtypes = [ctypes.c_void_p]
        _lib = lib
    return _lib


def frame_fields(raw: bytes) -> tuple[int, int, int, int, bool]:
    """(hours, minutes, seconds, frames, drop-frame) from an LTC frame's first 8 bytes
    (SMPTE 12M: BCD units and tens, bit 0 first)."""
    b = raw
    frames = (b[0] & 0x0F) + 10 * (b[1] & 0x03)
    drop = bool(b[1] & 0x04)
    secs = (b[2] & 0x0F) + 10 * (b[3] & 0x07)
    mins = (b[4] & 0x0F) + 10 * (b[5] & 0x07)
    hours = (b[6] & 0x0F) + 10 * (b[7] & 0x03)
    return hours, mins, secs, frames, drop


def frame_rate(samples_per_frame: float, rate: float, drop: bool) -> float:
    """The nearest LTC rate (24, 25, 29.97 drop-frame, 30) to a frame's length."""
    if drop:
        return DROP_FPS
    fps = rate / max(samples_per_frame, 1.0)
    return min((24.0, 25.0, 30.0), key=lambda r: abs(r - fps))


class LtcDecoder:
    """Feed :meth:`write` the LTC channel block by block; :meth:`frames` yields what
    was decoded: (seconds of the timecode, the stream sample where its frame began,
    frames per second, drop-frame)."""

    def __init__(self, rate: float, *, fps_guess: float = 25.0, queue: int = 32) -> None:
        self.lib = library()
        self.rate = rate
        self._d = self.lib.ltc_decoder_create(int(rate / fps_guess), queue)
        if not self._d:
            raise AudioError("libltc: cannot create a decoder")
        self._ext = ctypes.create_string_buffer(FRAME_EXT_SIZE)
        self._buf = np.zeros(0, np.float32)
        self.decoded = 0

    def write(self, block: np.ndarray, position: int) -> None:
        """``block``: float32 samples of the LTC channel, ``position`` its first sample's
        index in the stream."""
        if block.dtype != np.float32 or not block.flags.c_contiguous:
            if self._buf.shape != block.shape:
                self._buf = np.zeros(block.shape, np.float32)
            np.copyto(self._buf, block, casting="unsafe")
            block = self._buf
        self.lib.ltc_decoder_write_float(self._d, block.ctypes.data, len(block), position)

    def pending(self) -> int:
        """Frames decoded and not yet taken (checked first: a frame is 2-4 hops long)."""
        return self.lib.ltc_decoder_queue_length(self._d)

    def frames(self):
        while self.lib.ltc_decoder_read(self._d, self._ext):
            raw = self._ext.raw
            start = int.from_bytes(raw[OFF_START:OFF_START + 8], "little", signed=True)
            end = int.from_bytes(raw[OFF_END:OFF_END + 8], "little", signed=True)
            h, m, s, f, drop = frame_fields(raw)
            fps = frame_rate(end - start + 1, self.rate, drop)
            if f >= round(fps) or s > 59 or m > 59 or h > 23:
                continue
            self.decoded += 1
            yield tc_seconds(h, m, s, f, fps, drop), start, fps, drop

    def close(self) -> None:
        if self._d:
            self.lib.ltc_decoder_free(self._d)
            self._d = None


def load_with_ltc(path, channel: int, *, sr: int) -> np.ndarray:
    """A file for ``--audio-file`` with its LTC on ``channel`` (0-based): (n, 2) float32
    at ``sr``, the other channels mixed to mono, then the LTC channel.  Read with
    soundfile (WAV, FLAC, Ogg: what a playback rig exports; compressed formats would
    smear the timecode's edges)."""
    import soundfile as sf

    from vj.errors import AudioError as _AudioError

    try:
        y, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as e:
        raise _AudioError(f"{path}: cannot read it for its LTC channel ({e}); give a WAV or "
                          "FLAC file") from None
    if not 0 <= channel < y.shape[1] or y.shape[1] < 2:
        raise _AudioError(f"--ltc-channel {channel + 1}: {path} has {y.shape[1]} channel"
                          f"{'s' if y.shape[1] != 1 else ''} (the music on one, the LTC on "
                          "another)")
    music = np.delete(y, channel, axis=1).mean(axis=1)
    out = np.stack([music, y[:, channel]], axis=1)
    if rate != sr:
        import soxr

        out = soxr.resample(out, rate, sr).astype(np.float32)
    return np.ascontiguousarray(out)
