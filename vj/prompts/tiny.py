"""Tiny Whisper, CLAP and chat-LLM folders with random weights, built from configs in
code (no download), for tests and `vj bench prompts`.

The tokenizers are byte-level BPE with no merges (every byte one token), made
locally like :mod:`vj.generate.tiny`'s CLIP tokenizer.  ``size="real"`` keeps the
default models' architectures (whisper-small, clap-htsat-unfused,
Qwen2.5-1.5B-Instruct) with random weights, so timings are the real ones."""
from __future__ import annotations

from pathlib import Path

from vj.runtime.tokenizer import bytes_to_unicode

#: A minimal chat template (system, user and assistant turns, then the assistant's cue).
CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}"
                 "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n"
                 "{% endif %}")


def _byte_vocab() -> dict[str, int]:
    return {c: i for i, c in enumerate(bytes_to_unicode().values())}


def _fast_tokenizer(specials: list[str], *, first: bool = False, **kw):
    """Byte-level BPE tokenizer; the special tokens after the bytes, or before them
    (``first``: RoBERTa's padding id must be small, its positions start after it)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {s: i for i, s in enumerate(specials)} if first else {}
    for c in _byte_vocab():
        vocab[c] = len(vocab)
    for s in specials:
        vocab.setdefault(s, len(vocab))
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(specials)
    return PreTrainedTokenizerFast(tokenizer_object=tok, **kw), len(vocab)


def build_llm(*, size: str = "tiny", seed: int = 0, letters: bool = False):
    """A Qwen2 causal LM with a chat template.  ``letters``: the output layer only
    reaches lower-case letters and the space (random weights otherwise), so that the
    greedy answer, whatever it is, holds words; random weights alone mostly answer
    with control bytes, which the prompt writer rightly discards."""
    from vj.runtime.hub import quiet

    quiet()
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    tok, n = _fast_tokenizer(["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                             eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tok.chat_template = CHAT_TEMPLATE
    if size == "real":   # Qwen2.5-1.5B-Instruct's architecture, byte vocabulary
        cfg = Qwen2Config(vocab_size=151936, hidden_size=1536, intermediate_size=8960,
                          num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
                          max_position_embeddings=32768, tie_word_embeddings=True)
    else:
        cfg = Qwen2Config(vocab_size=n, hidden_size=32, intermediate_size=64,
                          num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                          max_position_embeddings=4096, tie_word_embeddings=True)
    cfg.eos_token_id = tok.eos_token_id
    cfg.pad_token_id = tok.pad_token_id
    if letters:
        cfg.tie_word_embeddings = False
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(cfg)
    if letters:
        ids = tok.convert_tokens_to_ids(list("abcdefghijklmnopqrstuvwxyz") + ["\u0120"])
        with torch.no_grad():
            w = model.lm_head.weight
            keep = w[ids].clone() * 50.0
            w.zero_()
            w[ids] = keep
    model.generation_config = GenerationConfig(eos_token_id=tok.eos_token_id,
                                               pad_token_id=tok.pad_token_id, do_sample=False)
    return model, tok


def build_clap(*, size: str = "tiny", seed: int = 0):
    """A CLAP model (HTSAT audio tower, RoBERTa-style text tower) and its processor."""
    from vj.runtime.hub import quiet

    quiet()
    import torch
    from transformers import (
        ClapAudioConfig,
        ClapConfig,
        ClapFeatureExtractor,
        ClapModel,
        ClapProcessor,
        ClapTextConfig,
    )

    tok, n = _fast_tokenizer(["<s>", "<pad>", "</s>", "<unk>", "<mask>"], first=True,
                             bos_token="<s>",
                             eos_token="</s>", pad_token="<pad>", mask_token="<mask>",
                             unk_token="<unk>", cls_token="<s>", sep_token="</s>",
                             model_max_length=77)
    if size == "real":   # laion/clap-htsat-unfused: the config defaults
        cfg = ClapConfig(text_config=ClapTextConfig(vocab_size=50265).to_dict(),
                         audio_config=ClapAudioConfig().to_dict())
    else:
        cfg = ClapConfig(
            text_config=ClapTextConfig(vocab_size=n, hidden_size=32, num_hidden_layers=2,
                                       num_attention_heads=4, intermediate_size=37,
                                       max_position_embeddings=80, pad_token_id=tok.pad_token_id,
                                       bos_token_id=tok.bos_token_id,
                                       eos_token_id=tok.eos_token_id).to_dict(),
            # the input size (spec_size 256 over 64 mel bins: 10 s) is the real one
            audio_config=ClapAudioConfig(patch_embeds_hidden_size=16, depths=[1, 1],
                                         num_attention_heads=[2, 2], hidden_size=32).to_dict(),
            projection_dim=16)
    torch.manual_seed(seed)
    model = ClapModel(cfg)
    fe = ClapFeatureExtractor(feature_size=64, sampling_rate=48000, truncation="rand_trunc",
                              padding="repeatpad")   # as clap-htsat-unfused
    return model, ClapProcessor(feature_extractor=fe, tokenizer=tok)


def whisper_vocab() -> tuple[dict[str, int], list[str]]:
    """Byte vocabulary plus Whisper's special tokens, timestamps last (as the tokenizer
    expects: ``<|notimestamps|>`` then ``<|0.00|>`` ... ``<|30.00|>``)."""
    vocab = _byte_vocab()
    specials = ["<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|translate|>",
                "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>",
                "<|notimestamps|>"] + [f"<|{i * 0.02:.2f}|>" for i in range(1501)]
    for s in specials:
        vocab[s] = len(vocab)
    return vocab, specials


def build_whisper(*, size: str = "tiny", seed: int = 0):
    from vj.runtime.hub import quiet

    quiet()
    import torch
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizer,
    )

    vocab, specials = whisper_vocab()
    tok = WhisperTokenizer(vocab=vocab, merges=[], additional_special_tokens=specials[1:])
    ids = {s: vocab[s] for s in specials[:9]}
    common = dict(vocab_size=len(vocab), num_mel_bins=80, decoder_start_token_id=ids[
        "<|startoftranscript|>"], pad_token_id=ids["<|endoftext|>"],
        bos_token_id=ids["<|endoftext|>"], eos_token_id=ids["<|endoftext|>"],
        max_source_positions=1500, max_target_positions=448)
    if size == "real":   # openai/whisper-small's architecture
        cfg = WhisperConfig(d_model=768, encoder_layers=12, decoder_layers=12,
                            encoder_attention_heads=12, decoder_attention_heads=12,
                            encoder_ffn_dim=3072, decoder_ffn_dim=3072, **common)
    else:
        cfg = WhisperConfig(d_model=16, encoder_layers=1, decoder_layers=1,
                            encoder_attention_heads=2, decoder_attention_heads=2,
                            encoder_ffn_dim=32, decoder_ffn_dim=32, **common)
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(cfg)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=ids["<|startoftranscript|>"], eos_token_id=ids["<|endoftext|>"],
        pad_token_id=ids["<|endoftext|>"], bos_token_id=ids["<|endoftext|>"],
        no_timestamps_token_id=ids["<|notimestamps|>"], is_multilingual=True,
        lang_to_id={"<|en|>": ids["<|en|>"]},
        task_to_id={"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]},
        max_initial_timestamp_index=50, max_length=448, suppress_tokens=[],
        begin_suppress_tokens=[ids["<|endoftext|>"]])
    return model, WhisperProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=80),
                                   tokenizer=tok)


def save_tiny(kind: str, folder: str | Path, **kw) -> Path:
    """Build ``kind`` ("whisper", "clap" or "llm"; keywords as its builder) and write it
    as a transformers folder."""
    model, proc = {"whisper": build_whisper, "clap": build_clap, "llm": build_llm}[kind](**kw)
    model.save_pretrained(folder)
    proc.save_pretrained(folder)
    return Path(folder)
