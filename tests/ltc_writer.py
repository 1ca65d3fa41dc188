"""An LTC writer of our own for the tests (SMPTE 12M, not libltc's encoder): 80 bits a
frame, BCD fields bit 0 first, the sync word, biphase-mark coded (a transition at the
start of every bit, a second in the middle of a 1)."""
import numpy as np

SYNC = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1]


def frame_bits(h: int, m: int, s: int, f: int, drop: bool = False) -> list[int]:
    def bcd(v, n_units, n_tens):
        u, t = v % 10, v // 10
        return [(u >> i) & 1 for i in range(n_units)], [(t >> i) & 1 for i in range(n_tens)]

    fu, ft = bcd(f, 4, 2)
    su, st = bcd(s, 4, 3)
    mu, mt = bcd(m, 4, 3)
    hu, ht = bcd(h, 4, 2)
    z4 = [0] * 4
    bits = (fu + z4 + ft + [int(drop), 0] + z4 + su + z4 + st + [0] + z4 + mu + z4 + mt + [0]
            + z4 + hu + z4 + ht + [0, 0] + z4 + SYNC)
    assert len(bits) == 80
    return bits


def ltc_signal(start_frame: int, frames: int, fps: int, sr: int, level: float = 0.5,
               drop: bool = False) -> np.ndarray:
    """``frames`` LTC frames from frame number ``start_frame`` (at ``fps``) as samples."""
    out = np.zeros(int(round(frames * sr / fps)) + 1, np.float32)
    per_bit = sr / (fps * 80)
    v, pos = level, 0.0
    for k in range(frames):
        n = start_frame + k
        s_total, f = divmod(n, fps)
        bits = frame_bits(s_total // 3600 % 24, s_total // 60 % 60, s_total % 60, f, drop)
        for b in bits:
            a, mid, e = int(round(pos)), int(round(pos + per_bit / 2)), int(round(pos + per_bit))
            v = -v                                # a transition at every bit's start
            if b:
                out[a:mid] = v
                v = -v                            # and in the middle of a 1
                out[mid:e] = v
            else:
                out[a:e] = v
            pos += per_bit
    return out
