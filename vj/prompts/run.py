"""Running the three models over a song (`vj prompts`, `vj prepare --prompts auto`)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vj.prompts.models import ModelIds
from vj.prompts.song import SectionPrompt, SongPrompts
from vj.prompts.writer import TOKEN_LIMIT


@dataclass
class PromptOptions:
    ids: ModelIds = field(default_factory=ModelIds)
    lyrics_file: str | None = None
    genre: str | None = None
    mood: str | None = None
    presets: list | None = None
    prior: str | None = None          # where the prior's tokenizer comes from (--model)
    token_limit: int = TOKEN_LIMIT
    use_cache: bool = True
    evaluate: bool = False
    progress: bool = True


def make_prompts(song: str | Path, opt: PromptOptions, *, y: np.ndarray | None = None,
                 bounds=None) -> SongPrompts:
    from vj.audio.rhythm import sections
    from vj.audio.sources import load
    from vj.errors import VjError
    from vj.prompts import models
    from vj.prompts.song import cache_dir, cache_key

    if opt.lyrics_file and not Path(opt.lyrics_file).is_file():
        raise VjError(f"{opt.lyrics_file}: no such lyrics file")
    y = load(song) if y is None else y
    bounds = sections(y, 22050) if bounds is None else np.asarray(bounds, float)
    tokenizer = models.load_prior_tokenizer(opt.prior)
    models.fetch(opt.ids.needed(asr=opt.lyrics_file is None))
    lyr_hash = None
    if opt.lyrics_file:
        from vj.runtime.files import sha256_file

        lyr_hash = sha256_file(Path(opt.lyrics_file))
    revs = {role: {"id": i, "revision": models.revision(i)} for role, i in
            (("asr", opt.ids.asr), ("clap", opt.ids.clap), ("llm", opt.ids.llm))
            if role != "asr" or opt.lyrics_file is None}
    settings = {"models": revs, "lyrics": lyr_hash, "genre": opt.genre, "mood": opt.mood,
                "limit": opt.token_limit, "bounds": [round(float(b), 3) for b in bounds],
                "eval": opt.evaluate, "tokenizer": len(tokenizer)}
    path = cache_dir() / f"{cache_key(y, settings)}.json"
    if opt.use_cache and path.is_file():
        try:
            out = SongPrompts.from_dict(json.loads(path.read_text()))
            out.cached = True
            return out
        except (ValueError, TypeError, KeyError):
            pass   # an unreadable cache entry is made again
    out = _run(Path(song).name, y, bounds, opt, tokenizer, revs)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(out.as_dict(), indent=1))
        tmp.replace(path)
    except OSError:
        pass   # no cache is not an error
    return out


def _run(name, y, bounds, opt: PromptOptions, tokenizer, revs) -> SongPrompts:
    import soxr
    from tqdm import tqdm

    from vj.presets import MOODS, get_preset
    from vj.prompts import caption as cap
    from vj.prompts import lyrics as lyr
    from vj.prompts import models
    from vj.prompts.song import pick_genre, resolve_prompt
    from vj.prompts.writer import PromptWriter

    n = len(bounds) - 1
    windows = 0 if opt.lyrics_file else int(np.ceil(len(y) / 22050 / lyr.WINDOW))
    bar = tqdm(total=windows + 2 * n + 1, desc="prompts", unit="step", disable=not opt.progress,
               dynamic_ncols=True)
    try:
        if opt.lyrics_file:
            lines, source = lyr.parse_lyrics(opt.lyrics_file), f"file:{opt.lyrics_file}"
        else:
            asr = models.load_asr(opt.ids.asr)
            lines = lyr.transcribe(asr, soxr.resample(y, 22050, 16000), on_window=bar.update)
            source = "whisper"
            del asr
        texts = lyr.assign(lines, bounds)
        clap, proc = models.load_clap(opt.ids.clap)
        vocab = cap.text_embeddings(clap, proc)
        y48 = soxr.resample(y, 22050, cap.SR)
        scale = float(clap.logit_scale_a.detach().exp()) if hasattr(clap, "logit_scale_a") \
            else 100.0
        audio_emb, caps = [], []
        for a, b in zip(bounds[:-1], bounds[1:]):
            e = cap.audio_embedding(clap, proc, y48[int(a * cap.SR):int(b * cap.SR)])
            audio_emb.append(e)
            caps.append(cap.caption(e, vocab, scale=scale))
            bar.update()
        musicnn = _musicnn_votes(y, bounds)
        votes = [(c.genre, c.genre_p) for c in caps]
        song_vote = max(set(g for g, _ in votes), key=lambda g: sum(p for v, p in votes if v == g))
        song_mn = _majority(musicnn)
        vote_p = float(np.mean([dict(c.scores["genre"])[song_vote] for c in caps]))
        genre = get_preset(pick_genre(opt.genre, song_mn, (song_vote, vote_p)), opt.presets).name
        clap_mood = caps[0].scores["mood"][0][0] if caps else None
        mood = opt.mood or (song_mn[2] if song_mn and song_mn[2] else None) or (
            clap_mood if clap_mood in MOODS else None)
        style_text = get_preset(genre, opt.presets).style_text(mood)
        model, tok = models.load_llm(opt.ids.llm)
        writer = PromptWriter(model, tok)
        world = writer.style_pass([c.text for c in caps], style_text, mood)
        bar.update()
        out = []
        for i in range(n):
            answers = writer.section(lyrics=texts[i], caption=caps[i].text, style_text=style_text,
                                     mood=mood, world=world)
            fused = writer.fuse(answers, caption=caps[i].text, style_text=style_text, mood=mood,
                                world=world)
            prompt, cut, fallback = resolve_prompt(fused, caps[i].text, style_text, tokenizer,
                                                   opt.token_limit)
            sp = SectionPrompt(float(bounds[i]), float(bounds[i + 1]), texts[i], caps[i].text,
                               {"clap": [caps[i].genre, round(caps[i].genre_p, 3)],
                                "musicnn": list(musicnn[i][:2]) if musicnn else None},
                               {**answers, "fusion": fused}, prompt, cut, fallback,
                               "lyrics+caption" if texts[i] else "caption")
            if opt.evaluate:
                from vj.prompts.evaluate import section_eval

                sp.eval = section_eval(sp, clap, proc, audio_emb[i], genre, mood)
            out.append(sp)
            bar.update()
    finally:
        bar.close()
    return SongPrompts(name, out, world, genre, mood, style_text, source, revs)


def _musicnn_votes(y, bounds):
    """musicnn's (genre, confidence, mood) per section, or None without its weights."""
    from vj.understand.musicnn import TaggerError
    from vj.understand.segments import understand

    try:
        return [(s.genre, s.genre_confidence, s.mood) for s in understand(y, bounds)]
    except TaggerError:
        return None


def _majority(votes):
    if not votes:
        return None
    names = [v[0] for v in votes if v[0]]
    if not names:
        return None
    g = max(set(names), key=names.count)
    moods = [v[2] for v in votes if v[0] == g and v[2]]
    return (g, 1.0, max(set(moods), key=moods.count) if moods else None)
