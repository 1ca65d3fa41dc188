"""The real Kandinsky 2.2 architectures, as configs, for benchmarks with random weights.

With no weights on a machine, these build models of the real size and shape,
so timings are the real ones (the values inside do not change the cost).
Sources: the model cards of kandinsky-community/kandinsky-2-2-prior and
-decoder (ViT-bigG/14 image encoder 1.8B, prior 1B, UNet 1.22B, MoVQ 67M) and
diffusers' Kandinsky conversion script (UNet layout; 2.2 conditions on the
image embedding only: addition_embed_type "image", encoder_hid_dim 1280).
"""
from __future__ import annotations

#: MoVQ: the decoder that runs every frame of the show.
MOVQ = dict(
    in_channels=3, out_channels=3, latent_channels=4, vq_embed_dim=4, num_vq_embeddings=16384,
    block_out_channels=[128, 256, 256, 512], layers_per_block=2, norm_num_groups=32,
    norm_type="spatial",
    down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D",
                      "AttnDownEncoderBlock2D"],
    up_block_types=["AttnUpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D",
                    "UpDecoderBlock2D"],
)

UNET = dict(
    in_channels=4, out_channels=8, sample_size=64, layers_per_block=3,
    block_out_channels=[384, 768, 1152, 1536], attention_head_dim=64,
    down_block_types=["ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D",
                      "SimpleCrossAttnDownBlock2D", "SimpleCrossAttnDownBlock2D"],
    up_block_types=["SimpleCrossAttnUpBlock2D", "SimpleCrossAttnUpBlock2D",
                    "SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"],
    mid_block_type="UNetMidBlock2DSimpleCrossAttn", cross_attention_dim=768,
    addition_embed_type="image", addition_embed_type_num_heads=64,
    encoder_hid_dim=1280, encoder_hid_dim_type="image_proj",
    resnet_time_scale_shift="scale_shift", class_embed_type=None, norm_num_groups=32,
)

PRIOR = dict(num_attention_heads=32, attention_head_dim=64, num_layers=20, embedding_dim=1280,
             num_embeddings=77, additional_embeddings=4)

CLIP_VISION = dict(hidden_size=1664, intermediate_size=8192, num_attention_heads=16,
                   num_hidden_layers=48, patch_size=14, image_size=224, projection_dim=1280,
                   hidden_act="gelu")

CLIP_TEXT = dict(hidden_size=1280, intermediate_size=5120, num_attention_heads=20,
                 num_hidden_layers=32, projection_dim=1280, vocab_size=49408,
                 max_position_embeddings=77, hidden_act="gelu")


def movq(dtype=None, device=None):
    """The MoVQ with random weights."""
    import torch
    from diffusers import VQModel

    with torch.device(device or "cpu"):
        m = VQModel(**MOVQ)
    return m.to(dtype=dtype) if dtype is not None else m


def pipelines(device: str, dtype, workdir):
    """Prior and decoder pipelines of the real architecture with random weights.

    The tokenizer is the byte-level one of :mod:`vj.generate.tiny` (token ids
    are valid for the real vocabulary size; the cost does not depend on them).
    """
    from pathlib import Path

    from vj.runtime.hub import quiet

    quiet()
    import torch
    from diffusers import (
        DDPMScheduler,
        KandinskyV22Pipeline,
        KandinskyV22PriorPipeline,
        PriorTransformer,
        UnCLIPScheduler,
        UNet2DConditionModel,
        VQModel,
    )
    from transformers import (
        CLIPImageProcessor,
        CLIPTextConfig,
        CLIPTextModelWithProjection,
        CLIPTokenizer,
        CLIPVisionConfig,
        CLIPVisionModelWithProjection,
    )

    from vj.generate.tiny import write_tokenizer_files

    tok = Path(workdir) / "tokenizer"
    write_tokenizer_files(tok)
    tokenizer = CLIPTokenizer(str(tok / "vocab.json"), str(tok / "merges.txt"),
                              model_max_length=77)
    with torch.device(device):
        text = CLIPTextModelWithProjection(CLIPTextConfig(
            bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id, **CLIP_TEXT))
        vision = CLIPVisionModelWithProjection(CLIPVisionConfig(**CLIP_VISION))
        prior = PriorTransformer(**PRIOR)
        unet = UNet2DConditionModel(**UNET)
        vq = VQModel(**MOVQ)
    processor = CLIPImageProcessor(crop_size=224, size=224, do_center_crop=True, do_normalize=True,
                                   do_resize=True, resample=3)
    prior_pipe = KandinskyV22PriorPipeline(
        prior=prior, image_encoder=vision, text_encoder=text, tokenizer=tokenizer,
        scheduler=UnCLIPScheduler(variance_type="fixed_small_log", prediction_type="sample",
                                  num_train_timesteps=1000, clip_sample=True,
                                  clip_sample_range=10.0),
        image_processor=processor).to(device, dtype)
    decoder_pipe = KandinskyV22Pipeline(
        unet=unet, movq=vq,
        scheduler=DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear",
                                beta_start=0.00085, beta_end=0.012, clip_sample=False,
                                prediction_type="epsilon")).to(device, dtype)
    for p in (prior_pipe, decoder_pipe):
        p.set_progress_bar_config(disable=True)
    return prior_pipe, decoder_pipe
