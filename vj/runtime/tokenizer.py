"""The byte table of the byte-level BPE tokenizers (GPT-2, CLIP) that the tiny test
models build in code, and the CLIP tokenizer files made from it."""
from __future__ import annotations

import json
from pathlib import Path


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


def write_tokenizer_files(folder: Path) -> int:
    """A byte-level CLIP vocabulary (every byte, with and without ``</w>``) and an
    empty merge list.  Returns the vocabulary size."""
    chars = list(bytes_to_unicode().values())
    vocab = {c: i for i, c in enumerate(chars)}
    for c in chars:
        vocab[c + "</w>"] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return len(vocab)


def tiny_clip_tokenizer(folder: Path):
    """A CLIP tokenizer over :func:`write_tokenizer_files` in ``folder``/_tokenizer_src
    (77 tokens, as CLIP's), and its vocabulary size."""
    from transformers import CLIPTokenizer

    src = Path(folder) / "_tokenizer_src"
    size = write_tokenizer_files(src)
    return CLIPTokenizer(str(src / "vocab.json"), str(src / "merges.txt"),
                         model_max_length=77), size
