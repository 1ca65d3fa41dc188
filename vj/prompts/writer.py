"""The prompt writer: a local instruct LLM, greedy, in turns.

Per section: extractive turns on the lyrics and the music caption (theme, emotion,
sentiment, ranked art styles, a visual metaphor), then a fusion turn that writes one
image prompt; before them, a song-wide style pass so that the sections share one
visual world.  The final text is cleaned (excluded words out) and cut to the prior's
75 CLIP tokens at a word boundary."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Words the fusion turn must not use (and which are taken out of its output).
EXCLUDED = ("lyrics", "lyric", "song", "singer", "symbolism", "symbolizes", "symbolises",
            "represents", "image", "create", "depict", "prompt")
FUSION_SYSTEM = (
    "You write one prompt for a text-to-image model. Describe only what is seen: subject, "
    "setting, light, colour, composition and art style, as one line of comma-separated "
    "phrases, under 60 words. Never mention lyrics, songs or music. Never give "
    "instructions such as 'create an image'. Never explain what anything means or "
    "symbolises. Never use these words: " + ", ".join(EXCLUDED) + ".")
EXTRACT_SYSTEM = "You analyse songs for a visual artist. Answer briefly, with no preamble."
STYLE_SYSTEM = ("You are the art director of a concert's visuals. In one sentence of at most "
                "30 words, name one visual world (palette, medium, era, art style) that fits the "
                "whole piece.")
TOKEN_LIMIT = 75


def extract_questions(n_styles: int = 3) -> dict[str, str]:
    return {
        "theme": "What is the thematic content? One sentence.",
        "emotion": "What is the emotional content? A few words.",
        "sentiment": "Is the sentiment positive, negative or mixed? One word.",
        "styles": f"Name the {n_styles} art styles that fit best, ranked, comma-separated.",
        "metaphor": "Give one visual metaphor for it, as a scene. One sentence.",
    }


@dataclass
class Written:
    prompt: str
    stages: dict = field(default_factory=dict)   # turn name -> the LLM's answer
    cut: bool = False                            # cut to the token limit
    fallback: str | None = None                  # why the caption was used instead


class PromptWriter:
    def __init__(self, model, tokenizer, *, max_new_tokens: int = 96, n_styles: int = 3):
        self.model, self.tok = model, tokenizer
        self.max_new_tokens, self.n_styles = max_new_tokens, n_styles

    def chat(self, system: str, user: str, max_new_tokens: int | None = None) -> str:
        """One greedy turn: the same input gives the same answer."""
        import torch

        enc = self.tok.apply_chat_template(
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            add_generation_prompt=True, return_tensors="pt", return_dict=True)
        enc = {k: v.to(self.model.device) for k, v in enc.items()}
        with torch.inference_mode():
            out = self.model.generate(**enc, do_sample=False,
                                      max_new_tokens=max_new_tokens or self.max_new_tokens,
                                      pad_token_id=self.tok.pad_token_id or self.tok.eos_token_id)
        return self.tok.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True).strip()

    def style_pass(self, captions: list[str], style_text: str, mood: str | None) -> str:
        sections = "\n".join(f"- {c}" for c in captions)
        return self.chat(STYLE_SYSTEM, f"The music, section by section:\n{sections}\n"
                         f"Genre style: {style_text}\nMood: {mood or 'unknown'}", 48)

    def section(self, *, lyrics: str, caption: str, style_text: str, mood: str | None,
                world: str) -> dict:
        """The extractive answers for one section (caption only where there are no lyrics)."""
        source = (f"Lyrics:\n{lyrics}\n\nMusic: {caption}" if lyrics else
                  f"An instrumental passage. Music: {caption}")
        return {k: self.chat(EXTRACT_SYSTEM, f"{source}\n\n{q}", 48)
                for k, q in extract_questions(self.n_styles).items()}

    def fuse(self, answers: dict, *, caption: str, style_text: str, mood: str | None,
             world: str) -> str:
        facts = "\n".join(f"{k}: {v}" for k, v in answers.items())
        return self.chat(FUSION_SYSTEM, f"{facts}\nmusic: {caption}\ngenre style: {style_text}\n"
                         f"mood: {mood or 'unknown'}\nvisual world of the whole show: {world}")

    def extend(self, short: str) -> str:
        """The prompt extension on its own: a short "MOOD GENRE music album cover" line
        continued into a fuller description."""
        return self.chat(FUSION_SYSTEM, f"Extend this into a detailed prompt: {short}")


def clean(text: str) -> str:
    """One line, printable, excluded words out, no surrounding quotes or labels."""
    t = "".join(ch if ch.isprintable() else " " for ch in text)
    t = re.sub(r"^\s*(prompt|image prompt)\s*:\s*", "", t, flags=re.I)
    for w in EXCLUDED:
        t = re.sub(rf"(?<![\w-]){re.escape(w)}(?![\w-])", " ", t, flags=re.I)
    t = " ".join(t.split()).strip(" \"'`")
    return t if sum(ch.isalpha() for ch in t) >= 3 else ""


def fit_tokens(text: str, tokenizer, limit: int = TOKEN_LIMIT) -> tuple[str, bool]:
    """``text`` cut at the last word boundary that keeps it within ``limit`` tokens of
    ``tokenizer`` (the prior's CLIP tokenizer; start and end tokens not counted)."""
    def count(s: str) -> int:
        return len(tokenizer(s, add_special_tokens=False)["input_ids"])

    if count(text) <= limit:
        return text, False
    words = text.split(" ")
    lo, hi = 0, len(words)            # the longest prefix of words that fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(" ".join(words[:mid])) <= limit:
            lo = mid
        else:
            hi = mid - 1
    if lo == 0:   # one word longer than the limit: cut inside it, at a token boundary
        ids = tokenizer(text, add_special_tokens=False)["input_ids"][:limit]
        return tokenizer.decode(ids).strip(), True
    return " ".join(words[:lo]).rstrip(" ,;:-"), True
