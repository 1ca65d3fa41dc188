"""How the prompts relate to the lyrics and the music (`vj prompts --eval`).

ROUGE-L (F1 of the longest common word subsequence) and an embedding similarity
(cosine of CLAP's text tower, the same model family for every stage) between the
lyrics and each stage; CLAP audio-text similarity between the section's audio and
its final prompt, against the genre template "<mood> <genre> music album cover"."""
from __future__ import annotations

import re

import numpy as np


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def rouge_l(reference: str, candidate: str) -> float:
    """ROUGE-L F1 over lower-cased words (0 when either is empty)."""
    a, b = words(reference), words(candidate)
    if not a or not b:
        return 0.0
    prev = [0] * (len(b) + 1)
    for x in a:                                  # LCS, one row at a time
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p, r = lcs / len(b), lcs / len(a)
    return 2 * p * r / (p + r)


def section_eval(sp, clap, proc, audio_emb: np.ndarray, genre: str, mood: str | None) -> dict:
    from vj.presets import template_prompt
    from vj.prompts.caption import text_embedding

    template = template_prompt(genre, mood)
    stages = {k: v for k, v in sp.stages.items()}
    stages["final"] = sp.prompt
    out: dict = {"template": template}
    if sp.lyrics:
        names = list(stages)
        E = text_embedding(clap, proc, [sp.lyrics] + [stages[k] or " " for k in names])
        out["rouge_l"] = {k: round(rouge_l(sp.lyrics, stages[k]), 4) for k in names}
        out["embedding_sim"] = {k: round(float(E[0] @ E[i + 1]), 4) for i, k in enumerate(names)}
    T = text_embedding(clap, proc, [sp.prompt, template])
    out["clap_audio_text"] = {"final": round(float(T[0] @ audio_emb), 4),
                              "template": round(float(T[1] @ audio_emb), 4)}
    return out
