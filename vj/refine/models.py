"""The refinement's models: a distilled one-step UNet with its text encoder and
scheduler (default ``stabilityai/sd-turbo``, Stability AI Community License) and a
tiny autoencoder (``madebyollin/taesd``, MIT), fetched from the hub only when asked
for (``--refine sd-turbo``), or a folder with ``unet/``, ``text_encoder/``,
``tokenizer/``, ``scheduler/`` and ``vae/`` (an AutoencoderTiny).  Tiny random-weight
ones, built from configs in code, for the tests (:func:`save_tiny_refiner`)."""
from __future__ import annotations

import json
from pathlib import Path

from vj.errors import VjError

DEFAULT_MODEL = "stabilityai/sd-turbo"
TINY_AUTOENCODER = "madebyollin/taesd"
#: ``--refine NAME`` shorthands
NAMES = {"sd-turbo": DEFAULT_MODEL}


def load_models(name: str, device: str, dtype):
    """(unet, vae, text_encoder, tokenizer, scheduler config) of ``name`` (a shorthand,
    a hub id or a folder); missing hub weights are fetched, or named in one line with
    the command that fetches them."""
    from vj.runtime.hub import ensure_weights, quiet

    quiet()
    from diffusers import AutoencoderTiny, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    source = NAMES.get(name, name)
    folder = Path(source)
    hint = "or give --refine a folder holding unet/, text_encoder/, tokenizer/, scheduler/, vae/"
    if folder.is_dir():
        vae_src, kw = str(folder / "vae"), {}
        sched = json.loads((folder / "scheduler" / "scheduler_config.json").read_text())
    else:
        ensure_weights([source, TINY_AUTOENCODER], error=VjError, hint=hint,
                       marker={source: "model_index.json", TINY_AUTOENCODER: "config.json"})
        vae_src, kw = TINY_AUTOENCODER, {"local_files_only": True}
        from huggingface_hub import hf_hub_download

        sched = json.loads(Path(hf_hub_download(source, "scheduler/scheduler_config.json",
                                                local_files_only=True)).read_text())
    try:
        unet = UNet2DConditionModel.from_pretrained(source, subfolder="unet", torch_dtype=dtype,
                                                    **kw)
        text = CLIPTextModel.from_pretrained(source, subfolder="text_encoder", torch_dtype=dtype,
                                             **kw)
        tok = CLIPTokenizer.from_pretrained(source, subfolder="tokenizer", **kw)
        vae = AutoencoderTiny.from_pretrained(vae_src, torch_dtype=dtype, **kw)
    except (OSError, ValueError) as e:
        raise VjError(f"--refine {name}: cannot load the models ({str(e).splitlines()[0][:160]}); "
                      + hint) from None
    for m in (unet, text, vae):
        m.to(device).eval().requires_grad_(False)
    return unet, vae, text, tok, sched


def save_tiny_refiner(folder, seed: int = 0) -> Path:
    """Tiny random-weight components of the same classes, written as a folder that
    ``--refine FOLDER`` loads like the real ones."""
    from vj.runtime.hub import quiet

    quiet()
    import torch
    from diffusers import AutoencoderTiny, EulerDiscreteScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    from vj.runtime.tokenizer import tiny_clip_tokenizer

    folder = Path(folder)
    tok, vocab = tiny_clip_tokenizer(folder)
    torch.manual_seed(seed)
    text = CLIPTextModel(CLIPTextConfig(
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id, hidden_size=32, intermediate_size=37,
        num_attention_heads=4, num_hidden_layers=2, vocab_size=vocab))
    unet = UNet2DConditionModel(
        sample_size=16, in_channels=4, out_channels=4, layers_per_block=1,
        block_out_channels=(32, 64), down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32,
        attention_head_dim=8, norm_num_groups=16)
    vae = AutoencoderTiny(encoder_block_out_channels=(16, 16, 16, 16),
                          decoder_block_out_channels=(16, 16, 16, 16),
                          num_encoder_blocks=(1, 1, 1, 1), num_decoder_blocks=(1, 1, 1, 1))
    sched = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012,
                                   beta_schedule="scaled_linear", prediction_type="epsilon",
                                   timestep_spacing="trailing")
    unet.save_pretrained(folder / "unet")
    text.save_pretrained(folder / "text_encoder")
    tok.save_pretrained(folder / "tokenizer")
    vae.save_pretrained(folder / "vae")
    sched.save_pretrained(folder / "scheduler")
    return folder


def load_refiner(name: str, device: str = "auto", *, steps: int = 1, backend: str = "auto"):
    """A :class:`vj.refine.stage.Refiner` for ``--refine NAME`` on ``device`` (fp16 and
    torch.compile on CUDA, fp32 and eager on a CPU unless ``backend`` says)."""
    from vj.refine.stage import Refiner
    from vj.runtime.device import pick_device

    dev, dtype = pick_device(device)
    if backend == "auto":
        backend = "compile" if dev.startswith("cuda") else "eager"
    return Refiner(load_models(name, dev, dtype), dev, dtype, steps=steps, backend=backend,
                   name=Path(name).name if Path(name).is_dir() else name)
