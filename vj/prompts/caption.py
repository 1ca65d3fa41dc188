"""A caption of each section from CLAP: zero-shot scores of the section's audio over
a vocabulary of instruments, textures, tempo feel, moods and vj's 23 genres, written
into a short caption.  The genre vote is offered beside musicnn's."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vj.presets import GENRES, MOODS

VOCAB: dict[str, tuple[str, ...]] = {
    "instruments": ("drums", "electric guitar", "acoustic guitar", "bass guitar", "piano",
                    "synthesizer", "strings", "brass", "saxophone", "organ", "choir",
                    "male vocals", "female vocals", "drum machine", "flute", "harp"),
    "texture": ("distorted", "clean", "ambient", "dense", "sparse", "lo-fi", "orchestral",
                "electronic", "acoustic", "reverberant"),
    "tempo": ("slow", "mid-tempo", "fast", "very fast"),
    "mood": MOODS + ("calm", "dark", "epic", "dreamy"),
    "genre": GENRES,
}
#: How each category's words are put to CLAP (its text side was trained on captions).
TEMPLATES = {"instruments": "the sound of {}", "texture": "{} sound", "tempo": "{} music",
             "mood": "{} music", "genre": "{} music"}
#: CLAP hears 10 s at a time; a section is heard through at most this many crops.
CROP_SECONDS, MAX_CROPS = 10.0, 3
SR = 48000


@dataclass(frozen=True)
class Caption:
    text: str
    scores: dict          # category -> [(label, probability)], best first
    genre: str
    genre_p: float


def text_embeddings(clap, proc) -> dict[str, np.ndarray]:
    """Unit-length CLAP text embeddings of the vocabulary, per category (made once)."""
    import torch

    out = {}
    for cat, words in VOCAB.items():
        enc = proc.tokenizer([TEMPLATES[cat].format(w) for w in words], padding=True,
                             return_tensors="pt")
        with torch.inference_mode():
            out[cat] = _unit(_pooled(clap.get_text_features(**enc)))
    return out


def audio_embedding(clap, proc, y48: np.ndarray) -> np.ndarray:
    """Unit-length mean CLAP embedding of up to ``MAX_CROPS`` evenly spaced 10 s crops."""
    import torch

    n = int(CROP_SECONDS * SR)
    if len(y48) <= n:
        crops = [y48]
    else:
        starts = np.linspace(0, len(y48) - n, min(MAX_CROPS, int(np.ceil(len(y48) / n))))
        crops = [y48[int(s):int(s) + n] for s in starts]
    feats = proc.feature_extractor([np.asarray(c, np.float32) for c in crops],
                                   sampling_rate=SR, return_tensors="pt")
    with torch.inference_mode():
        e = _unit(_pooled(clap.get_audio_features(**feats)))
    return _unit(e.mean(0, keepdims=True))[0]


def text_embedding(clap, proc, texts: list[str]) -> np.ndarray:
    import torch

    enc = proc.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
    with torch.inference_mode():
        return _unit(_pooled(clap.get_text_features(**enc)))


def caption(audio_emb: np.ndarray, vocab_emb: dict[str, np.ndarray], *,
            scale: float = 100.0) -> Caption:
    """Zero-shot probabilities per category (softmax over CLAP's scaled cosine) and the
    caption "<tempo> <mood> <genre> music with <instr>, <instr> and <instr>, <texture>"."""
    scores = {}
    for cat, E in vocab_emb.items():
        z = scale * (E @ audio_emb)
        p = np.exp(z - z.max())
        p /= p.sum()
        order = np.argsort(-p)
        scores[cat] = [(VOCAB[cat][i], round(float(p[i]), 4)) for i in order]
    top = {c: s[0][0] for c, s in scores.items()}
    instr = [w for w, _ in scores["instruments"][:3]]
    text = (f"{top['tempo']} {top['mood']} {top['genre']} music with "
            f"{', '.join(instr[:-1])} and {instr[-1]}, {top['texture']}")
    g, gp = scores["genre"][0]
    return Caption(text, scores, g, gp)


def _pooled(out):
    """transformers 5 returns model outputs from get_*_features; 4.x returned tensors."""
    t = getattr(out, "pooler_output", out)
    return t.float().cpu().numpy()


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)
