"""One song's prompts, section by section: lyrics, caption, genre votes, the LLM's
turns and the final prompt.  Cached per audio hash, model revisions and settings."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

CACHE_VERSION = 1


@dataclass
class SectionPrompt:
    start: float
    end: float
    lyrics: str
    caption: str
    genre_votes: dict                 # {"clap": [genre, p], "musicnn": [genre, p] or None}
    stages: dict                      # the LLM's extractive answers and its fusion answer
    prompt: str                       # what reaches the prior's tokenizer
    cut: bool = False                 # cut at a word boundary to the token limit
    fallback: str | None = None       # why the caption stood in for the LLM's answer
    path: str = "lyrics+caption"      # what the extractive turns read ("caption": no lyrics)
    eval: dict = field(default_factory=dict)


@dataclass
class SongPrompts:
    song: str
    sections: list[SectionPrompt]
    world: str                        # the song-wide style pass
    genre: str
    mood: str | None
    style_text: str
    lyrics_source: str                # "file:<path>", "whisper" or "none"
    models: dict                      # role -> {"id", "revision"}
    cached: bool = False

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("cached")
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "SongPrompts":
        return cls(**{**d, "sections": [SectionPrompt(**s) for s in d["sections"]]})


def cache_dir() -> Path:
    from vj.runtime.cache import cache_dir as base

    return base("prompts")


def cache_key(y: np.ndarray, settings: dict) -> str:
    h = hashlib.sha256(np.ascontiguousarray(y, np.float32).tobytes())
    h.update(json.dumps({**settings, "v": CACHE_VERSION}, sort_keys=True).encode())
    return h.hexdigest()[:24]


#: CLAP's vote overrides musicnn's for a preset musicnn cannot detect when CLAP gives
#: it at least this probability (mean over the sections).
CLAP_OVERRIDE = 0.5


def pick_genre(forced: str | None, musicnn: tuple | None, clap: tuple) -> str:
    """--genre; else musicnn's vote, unless CLAP confidently names a preset musicnn has no
    tag for (latin, reggae, reggaeton, rap, gospel, disco: vj.understand.genre.UNDETECTABLE);
    else CLAP's vote."""
    from vj.understand.genre import UNDETECTABLE

    if forced:
        return forced
    if clap[0] in UNDETECTABLE and clap[1] >= CLAP_OVERRIDE:
        return clap[0]
    return musicnn[0] if musicnn and musicnn[0] else clap[0]


def resolve_prompt(written: str, caption: str, style_text: str, tokenizer, limit: int):
    """The cleaned LLM answer, or the caption with the style text when it is empty; cut
    to ``limit`` tokens.  Returns (prompt, cut, fallback)."""
    from vj.prompts.writer import clean, fit_tokens

    text, fallback = clean(written), None
    if not text:
        text, fallback = f"{caption}, {style_text}", "the language model's answer had no words"
    text, cut = fit_tokens(text, tokenizer, limit)
    return text, cut, fallback
