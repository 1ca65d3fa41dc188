"""The byte table of the byte-level BPE tokenizers (GPT-2, CLIP) that the tiny test
models build in code."""
from __future__ import annotations


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP byte-to-character table (the standard construction)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))
