"""`vj bench prompts`: each stage of `vj prompts` with the default models' real
architectures and random weights (so the times are the real ones; the text is not).

Token counts are fixed, not left to random weights: every generation runs exactly
``new_tokens`` steps (min = max), and the language model's turns start from inputs of
the length a real tokenizer gives a typical turn."""
from __future__ import annotations

import gc
import time

import numpy as np

#: Typical input lengths, in the real tokenizers' tokens: an extractive turn (system,
#: a section's lyrics and caption, the question) and the fusion turn (all answers).
TURN_INPUT, FUSION_INPUT = 300, 420
TURN_NEW, FUSION_NEW, WHISPER_NEW = 48, 96, 96


def _timed(fn, repeats: int) -> float:
    fn()                                   # warm-up
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def bench_prompts(*, repeats: int = 1, device: str = "cpu", on_stage=None) -> dict:
    import torch

    from vj.prompts import caption as cap
    from vj.prompts.tiny import build_clap, build_llm, build_whisper

    rng = np.random.default_rng(0)
    out: dict = {"device": device, "threads": torch.get_num_threads()}
    say = on_stage or (lambda s: None)

    say("whisper-small")
    model, proc = build_whisper(size="real")
    model = model.to(device).eval()
    y16 = (0.1 * rng.standard_normal(16000 * 30)).astype(np.float32)
    feats = proc.feature_extractor(y16, sampling_rate=16000, return_tensors="pt").input_features

    def asr():
        with torch.inference_mode():
            model.generate(feats.to(device), max_new_tokens=WHISPER_NEW,
                           min_new_tokens=WHISPER_NEW, task="transcribe", language="en")
    out["whisper_window_s"] = _timed(asr, repeats)
    model = proc = None            # freed before the next model is built
    gc.collect()

    say("clap-htsat-unfused")
    clap, cproc = build_clap(size="real")
    clap = clap.to(device).eval()
    out["clap_vocab_s"] = _timed(lambda: cap.text_embeddings(clap, cproc), repeats)
    y48 = (0.1 * rng.standard_normal(48000 * 30)).astype(np.float32)
    out["clap_section_s"] = _timed(lambda: cap.audio_embedding(clap, cproc, y48), repeats)
    clap = cproc = None
    gc.collect()

    say("Qwen2.5-1.5B-Instruct")
    llm, _ = build_llm(size="real")
    llm = llm.to(device).eval()
    vocab = llm.config.vocab_size

    def turn(n_in, n_new):
        ids = torch.from_numpy(rng.integers(0, vocab, (1, n_in))).to(device)
        with torch.inference_mode():
            llm.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False,
                         max_new_tokens=n_new, min_new_tokens=n_new, pad_token_id=0)
    out["llm_turn_s"] = _timed(lambda: turn(TURN_INPUT, TURN_NEW), repeats)
    out["llm_fusion_s"] = _timed(lambda: turn(FUSION_INPUT, FUSION_NEW), repeats)
    out["llm_tokens_per_s"] = TURN_NEW / out["llm_turn_s"]
    llm = None
    gc.collect()
    # a section: 5 extractive turns, the fusion turn and its CLAP embedding
    out["section_s"] = 5 * out["llm_turn_s"] + out["llm_fusion_s"] + out["clap_section_s"]
    # a 3-minute song in 6 sections: 6 Whisper windows, the vocabulary, the style pass
    out["song_3min_s"] = (6 * out["whisper_window_s"] + out["clap_vocab_s"] + out["llm_turn_s"]
                          + 6 * out["section_s"])
    return out
