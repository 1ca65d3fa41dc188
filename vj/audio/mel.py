"""The mel filterbank, in numpy alone: librosa's ``filters.mel`` with its defaults
(Slaney's mel scale and area normalisation, 0 Hz to Nyquist).

The audio process builds it at every start; importing librosa for it would cost
that process about a second of CPU (librosa brings scipy.signal), which a restart
waits for and a show on a small machine feels.  tests/test_energy.py holds it equal
to librosa's.
"""
from __future__ import annotations

import numpy as np

#: Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def hz_to_mel(hz) -> np.ndarray:
    hz = np.asarray(hz, np.float64)
    log = hz >= _MIN_LOG_HZ
    return np.where(log, _MIN_LOG_MEL + np.log(np.maximum(hz, _MIN_LOG_HZ) / _MIN_LOG_HZ)
                    / _LOGSTEP, hz / _F_SP)


def mel_to_hz(mel) -> np.ndarray:
    mel = np.asarray(mel, np.float64)
    return np.where(mel >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOGSTEP * (mel - _MIN_LOG_MEL)),
                    _F_SP * mel)


def mel_filters(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """``[n_mels, n_fft // 2 + 1]`` float32 triangles, each of unit area in mels."""
    fft_hz = np.linspace(0, sr / 2, n_fft // 2 + 1)
    mel_hz = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2))
    fdiff = np.diff(mel_hz)
    ramps = mel_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_hz[2:] - mel_hz[:-2]))[:, None]
    return weights.astype(np.float32)
