"""`vj prompts`: per section, the lyrics, the music caption, the genre votes and the
prompt a local language model writes from them."""
from __future__ import annotations

from vj.errors import VjError
from vj.options import add_json, write_json


def options_from(args, *, evaluate: bool = False):
    from vj.prompts.models import ModelIds
    from vj.prompts.run import PromptOptions

    return PromptOptions(ids=ModelIds(args.asr_model, args.clap_model, args.llm),
                         lyrics_file=args.lyrics, genre=args.genre, mood=args.mood,
                         presets=args.presets, prior=getattr(args, "model_for_tokenizer", args.model),
                         use_cache=not args.no_cache,
                         evaluate=evaluate, progress=not args.quiet)


def cmd_prompts(args) -> int:
    from vj.prompts import models
    from vj.prompts.writer import PromptWriter

    if args.mood:
        from vj.presets import check_mood

        check_mood(args.mood)
    if args.extend is not None:
        tok = models.load_prior_tokenizer(args.model)
        models.fetch([args.llm])
        writer = PromptWriter(*models.load_llm(args.llm))
        from vj.prompts.song import resolve_prompt

        text, cut, fallback = resolve_prompt(writer.extend(args.extend), args.extend, "", tok,
                                             75)
        print(text + (" [cut to 75 tokens]" if cut else "") + (f" [{fallback}]" if fallback else ""))
        return 0
    if not args.song:
        raise VjError("give a SONG (or --extend \"short prompt\")")
    from vj.prompts.run import make_prompts

    res = make_prompts(args.song, options_from(args, evaluate=args.eval))
    write_json(args.json, res.as_dict())
    if args.json != "-":
        print(format_prompts(res))
    return 0


def format_prompts(res) -> str:
    head = (f"{res.song}: {len(res.sections)} sections; genre {res.genre}"
            f"{', mood ' + res.mood if res.mood else ''}; lyrics from {res.lyrics_source}"
            f"{' (cached)' if res.cached else ''}\nvisual world: {res.world}\n")
    out = [head]
    for i, s in enumerate(res.sections):
        mn = s.genre_votes.get("musicnn")
        votes = f"CLAP {s.genre_votes['clap'][0]} {s.genre_votes['clap'][1]:.2f}" + (
            f", musicnn {mn[0]} {mn[1]:.2f}" if mn else ", musicnn -")
        out.append(f"[{i}] {s.start:6.1f}-{s.end:6.1f} s  genre votes: {votes}")
        out.append(f"    lyrics : {s.lyrics or '(instrumental: no lyrics)'}")
        out.append(f"    caption: {s.caption}")
        note = (" [cut at a word boundary to the token limit]" if s.cut else "") + (
            f" [{s.fallback}: the caption was used]" if s.fallback else "")
        out.append(f"    prompt : {s.prompt}{note}")
        if s.eval:
            e = s.eval
            if "rouge_l" in e:
                out.append("    ROUGE-L vs lyrics: " + ", ".join(
                    f"{k} {v:.2f}" for k, v in e["rouge_l"].items()))
                out.append("    embedding similarity vs lyrics: " + ", ".join(
                    f"{k} {v:.2f}" for k, v in e["embedding_sim"].items()))
            c = e["clap_audio_text"]
            out.append(f"    CLAP audio-text: prompt {c['final']:.3f}, template "
                       f"{c['template']:.3f} ({e['template']!r})")
    return "\n".join(out)


def add_model_options(p) -> None:
    from vj.prompts.models import DEFAULT_ASR, DEFAULT_CLAP, DEFAULT_LLM

    p.add_argument("--lyrics", default=None, metavar="FILE",
                   help="lyrics as plain text or .lrc with times (instead of transcribing)")
    p.add_argument("--asr-model", default=DEFAULT_ASR,
                   help=f"Whisper model id or folder (default {DEFAULT_ASR})")
    p.add_argument("--clap-model", default=DEFAULT_CLAP,
                   help=f"CLAP model id or folder (default {DEFAULT_CLAP})")
    p.add_argument("--llm", default=DEFAULT_LLM,
                   help=f"instruct language model id or folder (default {DEFAULT_LLM})")
    p.add_argument("--no-cache", action="store_true",
                   help="run the models again even if this song's prompts are cached")


def add_prompts_parser(sub) -> None:
    p = sub.add_parser(
        "prompts", help="prompts from the music and its lyrics (Whisper, CLAP, a local LLM)",
        description="Per section of the song: the lyrics (Whisper, or --lyrics), a caption of "
        "the music (CLAP zero-shot), the genre votes of CLAP and musicnn, and one image prompt "
        "written by a local instruct language model (greedy, cached per song and models). "
        "Large models: run before the show, never during it.")
    p.add_argument("song", nargs="?", help="the song (any format vj reads)")
    add_json(p, "everything")
    p.add_argument("--eval", action="store_true",
                   help="ROUGE-L and embedding similarity to the lyrics, CLAP audio-text "
                   "similarity against the genre template")
    p.add_argument("--extend", default=None, metavar="TEXT",
                   help='only extend a short prompt ("sad rock music album cover")')
    p.add_argument("--genre", default=None, help="genre preset (default: detected)")
    p.add_argument("--mood", default=None, help="mood (default: detected)")
    p.add_argument("--model", default=None,
                   help="Kandinsky folder or hub prefix whose prior's tokenizer counts the "
                   "75 tokens (default kandinsky-community/kandinsky-2-2)")
    p.add_argument("--presets", action="append", metavar="DIR",
                   help="extra folder of genre presets")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_model_options(p)
    p.set_defaults(func=cmd_prompts)
