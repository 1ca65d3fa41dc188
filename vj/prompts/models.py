"""The three models behind `vj prompts`: which, where from, under which licence, and
loading them (downloaded once from the hub when asked for and not cached)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vj.errors import VjError

DEFAULT_ASR = "openai/whisper-small"
DEFAULT_CLAP = "laion/clap-htsat-unfused"
DEFAULT_LLM = "Qwen/Qwen2.5-1.5B-Instruct"
#: Licences of the default models (their model cards), shown in docs/prompts.md.
LICENCES = {DEFAULT_ASR: "Apache-2.0", DEFAULT_CLAP: "Apache-2.0", DEFAULT_LLM: "Apache-2.0"}


class PromptModelError(VjError):
    """A model of `vj prompts` is missing or cannot be loaded."""


@dataclass(frozen=True)
class ModelIds:
    asr: str = DEFAULT_ASR
    clap: str = DEFAULT_CLAP
    llm: str = DEFAULT_LLM

    def needed(self, *, asr: bool = True) -> list[str]:
        return ([self.asr] if asr else []) + [self.clap, self.llm]


def fetch(sources: list[str]) -> None:
    """Make sure every model is here; one line naming each missing one otherwise."""
    from vj.runtime.hub import ensure_weights

    ensure_weights(sources, marker="config.json", error=PromptModelError,
                   hint="or pass a folder saved by transformers (--asr-model, --clap-model, "
                   "--llm)")


def revision(source: str) -> str:
    """A short identity of a model's weights (hub snapshot, or the folder's weight hashes)."""
    import hashlib
    import json

    from vj.runtime.hub import describe

    d = describe(source)
    return d["revision"] or hashlib.sha256(
        json.dumps(d["weights_sha256"], sort_keys=True).encode()).hexdigest()[:12]


def _kw(source: str) -> dict:
    return {} if Path(source).is_dir() else {"local_files_only": True}


def _loading(what: str, source: str, fn):
    try:
        return fn()
    except (OSError, ValueError, KeyError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise PromptModelError(f"{what} {source}: cannot be loaded ({first})") from None


def load_asr(source: str):
    """A transformers speech-recognition pipeline (Whisper), on the CPU or first GPU."""
    from vj.runtime.hub import quiet

    quiet()
    from transformers import pipeline

    return _loading("speech model", source, lambda: pipeline(
        "automatic-speech-recognition", model=source, device=_device(), model_kwargs=_kw(source)))


def load_clap(source: str):
    """CLAP on the CPU: a few embeddings per section, small next to the other two."""
    from vj.runtime.hub import quiet

    quiet()
    from transformers import ClapModel, ClapProcessor

    model = _loading("CLAP model", source, lambda: ClapModel.from_pretrained(source, **_kw(source)))
    proc = _loading("CLAP processor", source,
                    lambda: ClapProcessor.from_pretrained(source, **_kw(source)))
    return model.eval(), proc


def load_llm(source: str):
    from vj.runtime.hub import quiet

    quiet()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = _loading("language model tokenizer", source,
                   lambda: AutoTokenizer.from_pretrained(source, **_kw(source)))
    import torch

    dev = _device()   # the weights' own dtype on a GPU; float32 on a CPU, where it is faster
    model = _loading("language model", source, lambda: AutoModelForCausalLM.from_pretrained(
        source, torch_dtype="auto" if dev == "cuda" else torch.float32, **_kw(source)))
    model = model.to(dev)
    if tok.chat_template is None:
        raise PromptModelError(f"language model {source}: has no chat template (use an "
                               "instruct model)")
    return model.eval(), tok


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_prior_tokenizer(model: str | None = None):
    """The Kandinsky 2.2 prior's CLIP tokenizer, which counts a prompt's tokens: from
    ``model`` (a folder with ``prior/``, a prior folder, or a hub prefix) or the default
    prior on the hub (only its tokenizer files are fetched)."""
    import os

    from transformers import CLIPTokenizer

    from vj.runtime.hub import KANDINSKY as DEFAULT_MODEL

    src = model or DEFAULT_MODEL
    for d in (Path(src) / "prior" / "tokenizer", Path(src) / "tokenizer"):
        if d.is_dir():
            return _loading("prior tokenizer", str(d), lambda d=d: CLIPTokenizer.from_pretrained(d))
    repo = src if src.endswith("-prior") else f"{src}-prior"
    try:
        return CLIPTokenizer.from_pretrained(repo, subfolder="tokenizer", local_files_only=True)
    except OSError:
        pass
    from vj.runtime.hub import missing_message

    hint = "or pass --model FOLDER holding prior/ saved by diffusers"
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() not in ("0", "", "false", "no"):
        raise PromptModelError(missing_message([repo], "HF_HUB_OFFLINE is set", hint))
    try:
        from huggingface_hub import snapshot_download

        snapshot_download(repo, allow_patterns=["tokenizer/*"])
        return CLIPTokenizer.from_pretrained(repo, subfolder="tokenizer", local_files_only=True)
    except Exception as e:
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise PromptModelError(missing_message([repo], f"the download failed: {reason}",
                                               hint)) from None
