"""Prompts from the music and its lyrics: real Whisper, CLAP and Qwen2 pipelines with
tiny random weights built from configs in code (vj.prompts.tiny); nothing downloaded."""
import json
import os

import numpy as np
import pytest

from tests.conftest import one_line_error, run_vj


@pytest.fixture(scope="session")
def prompt_models(tmp_path_factory):
    from vj.prompts.tiny import save_tiny

    d = tmp_path_factory.mktemp("prompt-models")
    return {"asr": save_tiny("whisper", d / "whisper"), "clap": save_tiny("clap", d / "clap"),
            # letters=True: the random answer holds words, so it is not discarded as empty
            "llm": save_tiny("llm", d / "llm", letters=True)}


@pytest.fixture(scope="session")
def song(tmp_path_factory):
    """The demo's 30 s song: two sections (vj.audio.rhythm.sections)."""
    from vj.demo import write_demo_song

    return write_demo_song(tmp_path_factory.mktemp("song") / "song.wav")


@pytest.fixture(scope="session")
def lrc(tmp_path_factory):
    p = tmp_path_factory.mktemp("lyrics") / "song.lrc"
    p.write_text("[ar:nobody]\n[00:01.00]burning lights over the city\n"
                 "[00:05.50]we run until the morning\n[00:12.00]\n")
    return p


def _model_args(m):
    return ["--asr-model", m["asr"], "--clap-model", m["clap"], "--llm", m["llm"]]


def _clip_tokenizer(tmp_path):
    from transformers import CLIPTokenizer

    from vj.generate.tiny import write_tokenizer_files

    write_tokenizer_files(tmp_path / "tok")
    return CLIPTokenizer(str(tmp_path / "tok" / "vocab.json"), str(tmp_path / "tok" / "merges.txt"))


# -- pure parts -----------------------------------------------------------------------------

def test_lrc_and_plain_lyrics_land_on_their_sections(tmp_path):
    from vj.prompts.lyrics import assign, parse_lyrics

    (tmp_path / "a.lrc").write_text("[ti:x]\n[00:01.00]first line\n[00:12.50][00:41.00]chorus\n"
                                    "[00:20.00]\n")
    lines = parse_lyrics(tmp_path / "a.lrc")
    assert [(ln.text, ln.start, ln.end) for ln in lines] == [
        ("first line", 1.0, 12.5), ("chorus", 12.5, 20.0), ("chorus", 41.0, None)]
    # a timed line goes where its middle is; the section 20-40 s has none
    assert assign(lines, [0, 10, 20, 40, 50]) == ["first line", "chorus", "", "chorus"]
    (tmp_path / "b.txt").write_text("one\ntwo\n\nthree\nfour\n")
    # untimed lines: in order, in proportion to the sections' lengths
    assert assign(parse_lyrics(tmp_path / "b.txt"), [0, 10, 30, 40]) == ["one", "two / three",
                                                                         "four"]


def test_rouge_l():
    from vj.prompts.evaluate import rouge_l

    # LCS "the cat on mat" = 4 words: P = 4/5, R = 4/6
    assert rouge_l("the cat sat on the mat", "The cat, on a mat") == pytest.approx(
        2 * (4 / 5) * (4 / 6) / (4 / 5 + 4 / 6))
    assert rouge_l("a b c", "d e") == 0.0 and rouge_l("", "a") == 0.0
    assert rouge_l("same words here", "same words here") == pytest.approx(1.0)


def test_a_long_prompt_is_cut_at_a_word_boundary(tmp_path):
    from vj.prompts.writer import fit_tokens

    tok = _clip_tokenizer(tmp_path)   # byte-level, no merges: one token per character
    text = ", ".join(f"neon wave {i}" for i in range(20))
    count = len(tok(text, add_special_tokens=False)["input_ids"])
    assert count > 75
    cut, was_cut = fit_tokens(text, tok, 75)
    assert was_cut and len(tok(cut, add_special_tokens=False)["input_ids"]) <= 75
    assert text.startswith(cut) and text[len(cut)] in " ,"      # ends where a word ends
    assert len(cut) > 60                                        # and keeps what fits
    assert fit_tokens("short prompt", tok, 75) == ("short prompt", False)


def test_cleaning_takes_out_excluded_words_and_keeps_the_rest():
    from vj.prompts.writer import clean

    assert clean('Prompt: "Create an image of a red fox, the lyrics symbolise hope"') == \
        "an of a red fox, the symbolise hope"
    assert clean("\n\n\x07 ,") == ""


def test_clap_reaches_the_presets_musicnn_cannot_detect():
    from vj.prompts.song import pick_genre

    assert pick_genre(None, ("rock", 0.4, None), ("reggae", 0.7)) == "reggae"
    assert pick_genre(None, ("rock", 0.4, None), ("reggae", 0.3)) == "rock"    # not confident
    assert pick_genre(None, ("rock", 0.4, None), ("metal", 0.9)) == "rock"     # musicnn knows
    assert pick_genre(None, None, ("metal", 0.2)) == "metal"                   # no musicnn
    assert pick_genre("jazz", ("rock", 0.4, None), ("reggae", 0.9)) == "jazz"  # --genre


# -- the real pipelines, tiny weights ---------------------------------------------------------

def _prompts(song, m, *extra, tiny_model):
    res = run_vj("prompts", song, "--json", "-", "--model", tiny_model, *_model_args(m), *extra,
                 timeout=600)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.mark.slow
def test_prompts_from_lyrics_and_caption_reach_the_prior_tokenizer(song, lrc, prompt_models,
                                                                   tiny_model, tmp_path):
    from vj.prompts.writer import clean, fit_tokens

    out = _prompts(song, prompt_models, "--lyrics", lrc, "--no-cache", tiny_model=tiny_model)
    secs = out["sections"]
    assert len(secs) >= 2 and secs[0]["start"] == 0 and secs[-1]["end"] == pytest.approx(30, 0.01)
    assert out["lyrics_source"] == f"file:{lrc}"
    first, last = secs[0], secs[-1]
    assert first["lyrics"] == "burning lights over the city / we run until the morning"
    assert first["path"] == "lyrics+caption"
    assert last["lyrics"] == "" and last["path"] == "caption"   # no lyrics: caption only
    tok = _clip_tokenizer(tmp_path)
    for s in secs:
        assert s["caption"].endswith(tuple(("distorted", "clean", "ambient", "dense", "sparse",
                                            "lo-fi", "orchestral", "electronic", "acoustic",
                                            "reverberant")))
        assert s["genre_votes"]["clap"][0]
        # the LLM's fusion answer, cleaned and cut, is the prompt, and it fits the prior
        assert s["fallback"] is None
        assert (s["prompt"], s["cut"]) == fit_tokens(clean(s["stages"]["fusion"]), tok, 75)
        assert set(s["stages"]) == {"theme", "emotion", "sentiment", "styles", "metaphor",
                                    "fusion"}
    assert any(s["cut"] for s in secs)   # byte tokens: the answers are longer than 75


def test_whisper_transcribes_with_time_stamps_and_silence_gets_no_lyrics(prompt_models):
    from vj.prompts.lyrics import transcribe
    from vj.prompts.models import load_asr

    asr = load_asr(str(prompt_models["asr"]))
    rng = np.random.default_rng(0)
    y = np.concatenate([np.zeros(16000 * 31, np.float32),
                        0.3 * rng.standard_normal(16000 * 20).astype(np.float32)])
    lines = transcribe(asr, y, max_new_tokens=20)
    # the silent first window is not transcribed: nothing is placed before 30 s
    assert all(ln.start >= 30.0 and (ln.end is None or ln.end <= 51.0) for ln in lines)
    assert transcribe(asr, np.zeros(16000 * 40, np.float32)) == []


@pytest.mark.slow
def test_greedy_prompts_repeat_and_are_cached(song, prompt_models, tiny_model, tmp_path):
    from vj.prompts.models import ModelIds
    from vj.prompts.run import PromptOptions, make_prompts

    os.environ["VJ_CACHE"], old = str(tmp_path / "cache"), os.environ["VJ_CACHE"]
    try:
        ids = ModelIds(*(str(prompt_models[k]) for k in ("asr", "clap", "llm")))
        opt = PromptOptions(ids=ids, prior=str(tiny_model), progress=False)
        a = make_prompts(song, opt)
        assert not a.cached and a.lyrics_source == "whisper"
        assert list((tmp_path / "cache" / "prompts").glob("*.json"))
        b = make_prompts(song, opt)
        assert b.cached and [s.prompt for s in b.sections] == [s.prompt for s in a.sections]
        opt.use_cache = False
        c = make_prompts(song, opt)          # the models again, greedy: the same answers
        assert not c.cached and [s.stages for s in c.sections] == [s.stages for s in a.sections]
    finally:
        os.environ["VJ_CACHE"] = old


@pytest.mark.slow
def test_eval_reports_rouge_embedding_and_clap_similarity(song, lrc, prompt_models, tiny_model):
    out = _prompts(song, prompt_models, "--lyrics", lrc, "--eval", tiny_model=tiny_model)
    first, last = out["sections"][0]["eval"], out["sections"][-1]["eval"]
    assert set(first["rouge_l"]) == {"theme", "emotion", "sentiment", "styles", "metaphor",
                                     "fusion", "final"}
    assert all(0.0 <= v <= 1.0 for v in first["rouge_l"].values())
    assert all(-1.0 <= v <= 1.0 for v in first["embedding_sim"].values())
    assert "rouge_l" not in last                         # no lyrics to compare with
    for e in (first, last):
        assert set(e["clap_audio_text"]) == {"final", "template"}
        assert e["template"].endswith("music album cover")


@pytest.mark.slow
def test_missing_models_are_named_with_their_download_command(song, lrc, tiny_model, tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf"))
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "vj", "prompts", str(song), "--model",
                          str(tiny_model), "--quiet"], capture_output=True, text=True, env=env,
                         timeout=300)
    line = one_line_error(res)
    for m in ("openai/whisper-small", "laion/clap-htsat-unfused", "Qwen/Qwen2.5-1.5B-Instruct"):
        assert m in line and f"hf download {m}" in line
    res = subprocess.run([sys.executable, "-m", "vj", "prompts", str(song), "--model",
                          str(tiny_model), "--lyrics", str(lrc), "--quiet"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert "whisper" not in one_line_error(res)   # with lyrics given, Whisper is not needed


@pytest.mark.slow
def test_extend_prints_one_prompt(prompt_models, tiny_model):
    res = run_vj("prompts", "--extend", "sad rock music album cover", "--model", tiny_model,
                 "--llm", prompt_models["llm"], timeout=300)
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1 and sum(ch.isalpha() for ch in lines[0]) >= 3


@pytest.mark.slow
def test_prepare_makes_one_keyframe_per_section_with_its_prompt(song, lrc, prompt_models,
                                                                tiny_model, art, tmp_path):
    res = run_vj("prepare", "--image", art, "--audio", song, "--prompts", "auto", "--lyrics", lrc,
                 "--model", tiny_model, *_model_args(prompt_models), "--bank", tmp_path / "b",
                 "--size", 64, "--steps", 2, "--prior-steps", 2, "--quiet", timeout=600)
    assert res.returncode == 0, res.stderr
    m = json.loads((tmp_path / "b" / "manifest.json").read_text())
    info = m["prompts_auto"]
    secs = info["sections"]
    assert m["count"] == len(secs) + 1                 # one per section, one at the end
    assert m["prompts"] == [s["prompt"] for s in secs] + [secs[-1]["prompt"]]
    assert m["style_source"] == "prompts:auto"
    assert m["segments"] == pytest.approx([s["start"] for s in secs] + [secs[-1]["end"]])
    assert secs[0]["lyrics"].startswith("burning lights") and secs[0]["caption"]
    assert info["models"]["llm"]["id"] == str(prompt_models["llm"])
    assert info["models"]["clap"]["revision"]


def test_prompts_auto_needs_a_song(tiny_model, art, tmp_path):
    res = run_vj("prepare", "--image", art, "--prompts", "auto", "--model", tiny_model,
                 "--bank", tmp_path / "b")
    assert "--prompts auto needs --audio" in one_line_error(res)
