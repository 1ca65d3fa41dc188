"""Model weights from the Hugging Face hub: fetched only when the user asks for a model
that is not cached (:func:`ensure_weights`), described in manifests, named with the
command that fetches them when they are missing; and diffusers and transformers kept
quiet (:func:`quiet`, called before importing either: vj shows its own progress)."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

#: The Kandinsky 2.2 models on the hub (``-prior`` and ``-decoder`` after it).
KANDINSKY = "kandinsky-community/kandinsky-2-2"


def quiet() -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"diffusers\..*")
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"transformers\..*")
    import diffusers
    import transformers

    diffusers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def describe(source: str) -> dict:
    """What a manifest records about one model: where from, which revision (hub) or
    the sha256 of every weight file (local folder)."""
    from vj.runtime.files import sha256_file

    p = Path(source)
    if p.is_dir():
        weights = {str(f.relative_to(p)): sha256_file(f)
                   for f in sorted(p.rglob("*")) if f.suffix in (".safetensors", ".bin")}
        return {"source": str(p.resolve()), "revision": None, "weights_sha256": weights}
    revision = None
    try:
        from huggingface_hub import snapshot_download

        revision = Path(snapshot_download(source, local_files_only=True)).name
    except Exception:
        pass
    return {"source": source, "revision": revision, "weights_sha256": None}


def cached(source: str, marker: str) -> bool:
    """Whether hub model ``source`` is in the local cache (its ``marker`` file is)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(source, marker), str)
    except Exception:
        return False


def missing_message(missing: list[str], reason: str, hint: str) -> str:
    cmds = " && ".join(f"hf download {m}" for m in missing)
    return (f"model weights missing: {', '.join(missing)} (not in the Hugging Face cache, and "
            f"{reason}). On a machine with network run `{cmds}` (the cache is $HF_HOME, "
            f"default ~/.cache/huggingface; copy it over), {hint}")


def ensure_weights(sources: list[str], *, marker: str | dict, error: type[Exception],
                   hint: str) -> None:
    """Download hub models that are not cached yet (folders are taken as they are);
    raise ``error`` naming every missing one, with its `hf download` command, if we
    can't (``HF_HUB_OFFLINE`` set, or no network).  ``marker``: the file whose presence
    in the cache means a model is there (or one per source, as a dict)."""
    def mark(s: str) -> str:
        return marker[s] if isinstance(marker, dict) else marker

    missing = [s for s in sources if not Path(s).is_dir() and not cached(s, mark(s))]
    if not missing:
        return
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() not in ("0", "", "false", "no"):
        raise error(missing_message(missing, "HF_HUB_OFFLINE is set", hint))
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "10")
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "30")
    from huggingface_hub import snapshot_download

    for m in list(missing):
        print(f"downloading {m} from the Hugging Face hub (once) ...", flush=True)
        try:
            snapshot_download(m, allow_patterns=["*.json", "*.txt", "*.safetensors",
                                                 "*.model", "*.jinja"])
        except Exception as e:
            reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
            raise error(missing_message(missing, f"the download failed: {reason}",
                                        hint)) from None
        missing.remove(m)
