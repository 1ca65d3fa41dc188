"""The live energy engine (docs/energy.md): one hop of audio in, one
:class:`~vj.audio.energy.EnergyFrame` out, with bounded memory and no array
allocation in the steady state.  The percussive median runs across frequency on
the current frame only; the harmonic median runs across the last
``kernel_harmonic`` frames (causal, or with a small look-ahead); normalisation
uses running peak and floor followers instead of the whole song.  Pure
computation: no threads, devices or files here."""
from __future__ import annotations

import math

import numpy as np

from vj.audio.energy import (
    SILENT_FRAME,
    EnergyCurve,
    EnergyFrame,
    EnergyParams,
    full_scale_power,
    mel_filterbank,
)
from vj.audio.normalise import Follower, PartNormaliser, release
from vj.errors import ParameterError

#: The live settings, the one set the show, `vj bench`, `vj eval`, the tests and
#: `vj record --interp online` use: a hop of 256 samples (11.6 ms) for a short
#: audio-to-photon path, and the method's centred 31-frame harmonic median with 4
#: frames (46 ms) of look-ahead, the 11 frames beyond it extrapolated from how the
#: bins around each bin decay over the look-ahead, down to a sustain of 0.3 of the
#: newest value; each part's peak is the largest of the last 60 s, and its span at
#: least the other part's peak less 5 dB.  On the corpus this follows the offline
#: reference far better than the causal median over the last 31 frames
#: (docs/energy.md).
LIVE_PARAMS = EnergyParams(hop=256, lookahead=4, extrapolate=True, sustain=0.3,
                           decay_bins=4, peak_window=60.0, cross_floor_db=5.0)
#: The offline reference the live engine is compared with: the method's centred
#: 31-frame harmonic median, at the live hop.
REFERENCE_PARAMS = LIVE_PARAMS.with_(lookahead=0, extrapolate=False)


class StreamingEnergy:
    """Streaming HPSS energy: feed hops of ``params.hop`` samples, read frames.

    All arrays are allocated in the constructor; :meth:`process` only writes
    into them.  Not thread-safe: one analysis thread owns an instance.

    Examples
    --------
    >>> import numpy as np
    >>> eng = StreamingEnergy()
    >>> frame = eng.process(np.zeros(eng.params.hop, dtype=np.float32))
    >>> frame.energy
    0.0
    """

    def __init__(self, params: EnergyParams | None = None) -> None:
        import scipy.ndimage

        self._median_filter = scipy.ndimage.median_filter
        self._uniform_filter = scipy.ndimage.uniform_filter1d
        p = self.params = params or EnergyParams()
        n, F, K = p.n_fft, p.n_fft // 2 + 1, p.kernel_harmonic
        L = p.lookahead
        #: frames of magnitudes kept: the median's window, or (extrapolating) the
        #: half before the reported frame, that frame and the look-ahead
        self._known = K // 2 + 1 + L if p.extrapolate else K
        self._mel = mel_filterbank(p)
        self._window = np.hanning(n + 1)[:-1].astype(np.float32)  # periodic Hann, as librosa
        self._buf = np.zeros(n, np.float32)
        self._frame = np.zeros(n, np.float32)
        self._spec = np.zeros(F, np.complex64)
        self._hist = np.zeros((F, self._known), np.float32)  # magnitudes, column per frame
        self._scratch = np.zeros((F, K), np.float32)
        self._top = np.zeros(F, np.float32)
        self._decay = np.zeros(F, np.float32)
        self._decay2 = np.zeros(F, np.float32)
        self._sustain = np.zeros(F, np.float32)
        self._powers = np.zeros(L + 1, np.float64)   # window power of the last L+1 frames
        self._perc_med = np.zeros(F, np.float32)
        self._tmp = np.zeros(F, np.float32)
        self._tmp2 = np.zeros(F, np.float32)
        self._mask = np.zeros(F, np.float32)
        self._melv = np.zeros(p.n_mels, np.float32)
        self._db = np.zeros(p.n_mels, np.float32)
        self._prev_db = np.zeros(p.n_mels, np.float32)
        self._block_energy = np.zeros(n // p.hop, np.float64)
        self._norm = PartNormaliser(p, full_scale_power(p))
        self._norm_o = Follower(release(p))
        self._pos = 0
        self._hpos = 0
        self._hops = 0
        self._silence_power = 10 ** (p.silence_db / 10)
        #: How many hops the reported frame lags the newest audio.
        self.lag_frames = n // (2 * p.hop) - 1 + p.lookahead
        self._rank = K // 2
        self.latest = SILENT_FRAME
        self.raw_percussive = self.raw_harmonic = 0.0

    @property
    def latency(self) -> float:
        """Seconds between the newest sample fed and the centre of the frame reported."""
        p = self.params
        return (p.n_fft / 2 + p.lookahead * p.hop) / p.sr

    def reset(self) -> None:
        self.__init__(self.params)

    def process(self, block: np.ndarray) -> EnergyFrame:
        """Analyse one hop of mono float32 samples and return the new frame."""
        p = self.params
        hop, n = p.hop, p.n_fft
        if block.shape != (hop,):
            raise ParameterError(f"block: expected shape ({hop},), got {block.shape}")
        # 1. Append the hop to the circular window and note its energy.
        pos = self._pos
        self._buf[pos:pos + hop] = block
        self._block_energy[pos // hop] = float(np.dot(block, block))
        pos = self._pos = (pos + hop) % n
        # 2. Window (oldest samples first) and FFT magnitude.
        k = n - pos
        np.multiply(self._buf[pos:], self._window[:k], out=self._frame[:k])
        np.multiply(self._buf[:pos], self._window[k:], out=self._frame[k:])
        np.fft.rfft(self._frame, out=self._spec)
        Kn, L = self._known, p.lookahead
        hpos = self._hpos
        np.abs(self._spec, out=self._hist[:, hpos])
        self._hpos = (hpos + 1) % Kn
        cur = self._hist[:, (hpos - L) % Kn]
        # 3. Medians: harmonic across time, percussive across frequency.
        if p.extrapolate:
            self._extrapolate(hpos, cur)
        else:
            np.copyto(self._scratch, self._hist)
        self._scratch.partition(self._rank, axis=1)
        harm_med = self._scratch[:, self._rank]
        self._median_filter(cur, size=p.kernel_percussive, output=self._perc_med, mode="reflect")
        # 4. Soft masks (power 2, with margin) as librosa.decompose.hpss.
        mp, mh = self._perc_med, self._tmp
        np.multiply(harm_med, p.margin, out=mh)
        np.multiply(mh, mh, out=mh)
        np.multiply(mp, mp, out=self._tmp2)
        perc = self._mel_part(cur, self._tmp2, mh)        # P^2 / (P^2 + (m H)^2)
        np.multiply(harm_med, harm_med, out=mh)
        np.multiply(self._perc_med, p.margin, out=self._tmp2)
        np.multiply(self._tmp2, self._tmp2, out=self._tmp2)
        harm = self._mel_part(cur, mh, self._tmp2)         # H^2 / (H^2 + (m P)^2)
        # 5. Onset strength: positive log-mel flux, averaged over bands, of the newest
        #    frame (it needs no look-ahead: a hit reaches the flash at once).
        newest = self._hist[:, hpos]
        np.multiply(newest, newest, out=self._tmp)
        np.dot(self._mel, self._tmp, out=self._melv)
        np.maximum(self._melv, 1e-10, out=self._melv)
        np.log10(self._melv, out=self._db)
        np.multiply(self._db, 10.0, out=self._db)
        np.subtract(self._db, self._prev_db, out=self._melv)
        np.maximum(self._melv, 0.0, out=self._melv)
        flux = float(self._melv.mean()) if self._hops else 0.0
        np.copyto(self._prev_db, self._db)
        # 6. Silence gate (each frame on its own window), running normalisation, weights.
        now_power = float(self._block_energy.sum()) / n
        self._powers[self._hops % (L + 1)] = now_power
        power = float(self._powers[(self._hops - L) % (L + 1)]) if self._hops >= L else 0.0
        level = 10 * math.log10(now_power) if now_power > 1e-12 else -120.0
        if power < self._silence_power:
            perc = harm = 0.0
        if now_power < self._silence_power:
            flux = 0.0
        self.raw_percussive, self.raw_harmonic = perc, harm
        (P, H), O = self._norm(perc, harm), self._norm_o(flux)  # noqa: E741  (the method's names)
        wp, wh = p.weights
        self._hops += 1
        c = self._hops - 1 - self.lag_frames
        self.latest = EnergyFrame(c * hop / p.sr, P, H, wp * P + wh * H, O, level)
        return self.latest

    def _extrapolate(self, newest: int, cur: np.ndarray) -> None:
        """The centred median's window: the frames heard (K/2 before the reported frame,
        that frame and the look-ahead) and, for the frames not heard yet, each bin's
        newest value decaying on at the rate the bins around it fell over the
        look-ahead (from their highest value there; never rising), down to
        ``sustain`` times the newest value: a hit that is dying away counts as
        percussive, and a note that holds, or settles to its sustain, as harmonic,
        as in the centred median."""
        p = self.params
        Kn, L, hist = self._known, p.lookahead, self._hist
        last = hist[:, newest]
        np.copyto(self._scratch[:, :Kn], hist)
        top = self._top
        np.copyto(top, cur)
        for j in range(L):
            np.maximum(top, hist[:, (newest - j) % Kn], out=top)
        r = self._decay
        np.add(top, 1e-12, out=r)
        np.divide(last, r, out=r)
        np.clip(r, 1e-6, 1.0, out=r)
        np.log(r, out=r)                     # log of the fall over the look-ahead
        if p.decay_bins:                     # a note's partials decay together
            self._uniform_filter(r, 2 * p.decay_bins + 1, output=self._decay2, mode="nearest")
            r = self._decay2
        np.multiply(r, 1.0 / L, out=r)
        np.exp(r, out=r)                     # per-frame decay
        prev = last
        for m in range(Kn, p.kernel_harmonic):
            col = self._scratch[:, m]
            np.multiply(prev, r, out=col)
            prev = col
        if p.sustain:
            sus = self._sustain
            np.multiply(last, p.sustain, out=sus)
            np.maximum(self._scratch[:, Kn:], sus[:, None], out=self._scratch[:, Kn:])

    def _mel_part(self, mag: np.ndarray, num: np.ndarray, other: np.ndarray) -> float:
        """Mel-reduced power of ``mag * num / (num + other)``."""
        np.add(num, other, out=self._mask)
        np.add(self._mask, 1e-20, out=self._mask)
        np.divide(num, self._mask, out=self._mask)
        np.multiply(self._mask, mag, out=self._mask)
        np.multiply(self._mask, self._mask, out=self._mask)
        np.dot(self._mel, self._mask, out=self._melv)
        return float(self._melv.max() if self.params.reduce == "max" else self._melv.sum())

    def run(self, y: np.ndarray) -> EnergyCurve:
        """Stream a whole signal through the engine (tests, benchmarks, offline use)."""
        p = self.params
        y = np.asarray(y, dtype=np.float32)
        n_hops = len(y) // p.hop
        out = np.zeros((n_hops, 7), np.float64)
        for j in range(n_hops):
            f = self.process(y[j * p.hop:(j + 1) * p.hop])
            out[j] = (f.t, f.percussive, f.harmonic, f.energy, f.onset, self.raw_percussive,
                      self.raw_harmonic)
        o = out.astype(np.float32)
        L = p.lookahead    # row j holds the onset of row j + L's frame: move it there
        if L:
            o[L:, 4] = o[:-L, 4].copy()
            o[:L, 4] = 0.0
        return EnergyCurve(out[:, 0], o[:, 1], o[:, 2], o[:, 3], o[:, 4], p, o[:, 5], o[:, 6])
