"""The hop loop of the audio process: the capture's ring -> streaming energy -> one
record per hop on the board (vj.engine.board), and the analysed audio into the
board's history for the genre tagger.  Nothing is allocated per hop."""
from __future__ import annotations

import numpy as np

from vj.audio.energy import EnergyParams
from vj.audio.streaming import StreamingEnergy
from vj.engine import board as B
from vj.runtime import chaos


class HopAnalysis:
    """``pump(now)`` analyses every whole hop the ring holds and publishes each.

    Hop numbers, the energy integral and the analysed time go on from what the board
    holds, so a restarted audio process continues the show's count."""

    def __init__(self, source, params: EnergyParams, board: B.Board,
                 engine: StreamingEnergy | None = None, ltc=None) -> None:
        """``ltc``: a vj.audio.ltc.LtcDecoder for the ring's last channel (the others
        are the music), or None."""
        self.source, self.params, self.board = source, params, board
        #: built ahead by a spare process (its mel filters import scipy.signal: ~1 s)
        self.engine = engine or StreamingEnergy(params)
        ring, rate, hop = source.ring, source.rate, params.hop
        self.chunk = hop if rate == params.sr else max(64, int(hop * rate / params.sr))
        self.raw = np.zeros((self.chunk, ring.channels), np.float32)
        self.ltc = ltc
        self.music = self.raw[:, :-1] if ltc is not None else self.raw
        self.ltc_column = np.zeros(self.chunk, np.float32)
        self.mono = np.zeros(self.chunk, np.float32)
        self.acc = np.zeros(hop * 4, np.float32)
        self.filled = 0
        self.resampler = None
        if rate != params.sr:
            import soxr

            self.resampler = soxr.ResampleStream(rate, params.sr, 1, dtype="float32",
                                                 quality="LQ")
        self.hop_s = hop / params.sr
        last = np.zeros(B.FIELDS)
        h = board.hops
        if h and board.read(h - 1, last):
            self.integral, self.audio_time = float(last[B.INTEGRAL]), float(last[B.AUDIO_TIME])
        else:
            self.integral = self.audio_time = 0.0
        self._overruns0 = ring.overruns
        self._dropped0 = ring.dropped
        #: diagnostics (``VJ_AUDIO_TAP=DIR``, vj.engine.child): files that get each hop's
        #: analysed samples, its published energy and its publication time; None in a show
        self.tap = None

    def reset(self) -> None:
        """After a failure: a clean engine on the same ring."""
        self.engine.reset()
        self.filled = 0

    def pump(self, now: float) -> int:
        """Analyse what has arrived; returns the hops published."""
        src, p, board = self.source, self.params, self.board
        ring, acc, hop = src.ring, self.acc, p.hop
        done = 0
        while ring.read(self.raw):
            chaos.check("analysis")
            ints = board.ints
            if ring.overruns != self._overruns0:
                ints[B.I_OVERRUNS] += ring.overruns - self._overruns0
                ints[B.I_DROPPED] += ring.dropped - self._dropped0
                self._overruns0, self._dropped0 = ring.overruns, ring.dropped
            np.mean(self.music, axis=1, out=self.mono)
            if self.ltc is not None:
                self._timecode(src, ring, board)
            x = self.mono if self.resampler is None else self.resampler.resample_chunk(self.mono)
            m = len(x)
            acc[self.filled:self.filled + m] = x
            self.filled += m
            adc = src.time_of(ring.consumed - 1)
            while self.filled >= hop:
                block = acc[:hop]
                board.add_history(block)
                frame = self.engine.process(block)
                if self.tap is not None:
                    self.tap[0].write(block.tobytes())
                    self.tap[1].write(np.float64(frame.energy).tobytes())
                    self.tap[2].write(np.float64(now).tobytes())
                acc[: self.filled - hop] = acc[hop:self.filled]
                self.filled -= hop
                self.integral += frame.energy * self.hop_s
                self.audio_time += self.hop_s
                f = board.floats
                last = f[B.F_LAST_PUBLISHED]
                board.publish(frame, adc, self.integral, self.audio_time, now)
                if done == 0 and last > 0.0 and now - last > f[B.F_MAX_GAP]:
                    f[B.F_MAX_GAP] = now - last
                    f[B.F_MAX_GAP_AT] = now
                done += 1
        return done

    def _timecode(self, src, ring, board) -> None:
        """The LTC channel of this chunk to the decoder; each whole frame onto the board
        with the converter's time of its first sample."""
        np.copyto(self.ltc_column, self.raw[:, -1])
        self.ltc.write(self.ltc_column, ring.consumed - self.chunk)
        if not self.ltc.pending():
            return
        for seconds, start, fps, drop in self.ltc.frames():
            board.publish_ltc(seconds, src.time_of(start), fps, drop)
