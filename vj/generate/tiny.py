"""Tiny Kandinsky 2.2 components with random weights, for tests and offline checks.

Every part of the real model is here, built from configs in code: the
PriorTransformer, CLIP text and vision encoders with projection, a CLIP
tokenizer whose vocabulary and merges are generated locally (byte-level, no
download), the UnCLIP and DDPM schedulers, the conditional UNet and the
MoVQ.  :func:`save_tiny_kandinsky` writes them as two diffusers folders,
``prior/`` and ``decoder/``, which ``vj prepare --model FOLDER`` loads with
the same ``from_pretrained`` code as the real weights.
"""
from __future__ import annotations

from pathlib import Path

from vj.runtime.tokenizer import tiny_clip_tokenizer, write_tokenizer_files  # noqa: F401

EMBED = 32          # CLIP embedding size (real model: 1280)
IMAGE_SIZE = 32     # CLIP vision input (real model: 224)


def tiny_prior_pipeline(folder: Path, seed: int = 0):
    from vj.runtime.hub import quiet

    quiet()
    import torch
    from diffusers import KandinskyV22PriorPipeline, PriorTransformer, UnCLIPScheduler
    from transformers import (
        CLIPImageProcessor,
        CLIPTextConfig,
        CLIPTextModelWithProjection,
        CLIPVisionConfig,
        CLIPVisionModelWithProjection,
    )

    tokenizer, vocab_size = tiny_clip_tokenizer(folder)
    torch.manual_seed(seed)
    text_encoder = CLIPTextModelWithProjection(CLIPTextConfig(
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, hidden_size=EMBED, projection_dim=EMBED,
        intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
        vocab_size=vocab_size, max_position_embeddings=77))
    image_encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=EMBED, image_size=IMAGE_SIZE, projection_dim=EMBED, intermediate_size=37,
        num_attention_heads=4, num_channels=3, num_hidden_layers=2, patch_size=8))
    prior = PriorTransformer(num_attention_heads=2, attention_head_dim=12, embedding_dim=EMBED,
                             num_layers=1)
    # clip_std starts at 0, which would make every output 0: use 1 as the real model's scale.
    prior.clip_std = torch.nn.Parameter(torch.ones(prior.clip_std.shape))
    processor = CLIPImageProcessor(crop_size=IMAGE_SIZE, size=IMAGE_SIZE, do_center_crop=True,
                                   do_normalize=True, do_resize=True, resample=3,
                                   image_mean=[0.48145466, 0.4578275, 0.40821073],
                                   image_std=[0.26862954, 0.26130258, 0.27577711])
    scheduler = UnCLIPScheduler(variance_type="fixed_small_log", prediction_type="sample",
                                num_train_timesteps=1000, clip_sample=True,
                                clip_sample_range=10.0)
    pipe = KandinskyV22PriorPipeline(prior=prior, image_encoder=image_encoder,
                                     text_encoder=text_encoder, tokenizer=tokenizer,
                                     scheduler=scheduler, image_processor=processor)
    import shutil

    shutil.rmtree(folder / "_tokenizer_src", ignore_errors=True)
    return pipe


def tiny_decoder_pipeline(seed: int = 0):
    from vj.runtime.hub import quiet

    quiet()
    import torch
    from diffusers import DDPMScheduler, KandinskyV22Pipeline, UNet2DConditionModel, VQModel

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        in_channels=4, out_channels=8, addition_embed_type="image",
        down_block_types=("ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D"),
        up_block_types=("SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"),
        mid_block_type="UNetMidBlock2DSimpleCrossAttn", block_out_channels=(32, 64),
        layers_per_block=1, encoder_hid_dim=EMBED, encoder_hid_dim_type="image_proj",
        cross_attention_dim=32, attention_head_dim=4, resnet_time_scale_shift="scale_shift",
        class_embed_type=None)
    movq = VQModel(block_out_channels=[32, 64],
                   down_block_types=["DownEncoderBlock2D", "AttnDownEncoderBlock2D"],
                   up_block_types=["AttnUpDecoderBlock2D", "UpDecoderBlock2D"],
                   in_channels=3, out_channels=3, latent_channels=4, layers_per_block=1,
                   norm_num_groups=8, norm_type="spatial", num_vq_embeddings=12, vq_embed_dim=4)
    # The real decoder's scheduler config (kandinsky-2-2-decoder/scheduler).
    scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear",
                              beta_start=0.00085, beta_end=0.012, clip_sample=False,
                              prediction_type="epsilon", thresholding=False,
                              variance_type="fixed_small")
    return KandinskyV22Pipeline(unet=unet, scheduler=scheduler, movq=movq)


def save_tiny_kandinsky(folder: str | Path, seed: int = 0) -> Path:
    """Write ``folder/prior`` and ``folder/decoder`` (diffusers format, safetensors)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tiny_prior_pipeline(folder, seed).save_pretrained(folder / "prior")
    tiny_decoder_pipeline(seed).save_pretrained(folder / "decoder")
    (folder / "README.txt").write_text(
        "Tiny Kandinsky 2.2 components with random weights (vj.generate.tiny), for tests.\n")
    return folder
