"""Keyframe banks with Kandinsky 2.2 (``vj prepare --image ART --genre G``).

Read top to bottom as the method reads:

1. the prior mixes the CLIP embedding of the artwork(s) with that of the
   genre's style text (``KandinskyV22PriorPipeline.interpolate``; default
   weights 0.7 image, 0.3 text, not normalised);
2. the decoder (``KandinskyV22Pipeline``) turns each mixed embedding into a
   latent (``output_type="latent"``), one keyframe per seed or per segment of
   a song;
3. the MoVQ decodes each latent once for the bank's thumbnails;
4. the bank is written (latents, thumbnails, a manifest that records model,
   weights, seeds, weights of the mix and the artwork's sha256).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vj.bank import Bank, make_manifest
from vj.errors import VjError
from vj.runtime.device import pick_device
from vj.runtime.files import sha256_file
from vj.runtime.hub import KANDINSKY, describe, ensure_weights

#: The hub ids of Kandinsky 2.2: "<prefix>-prior" and "<prefix>-decoder".
DEFAULT_MODEL = KANDINSKY
#: The method's mix of artwork and style text (weights are not normalised).
IMAGE_WEIGHT, TEXT_WEIGHT = 0.7, 0.3
#: The method's decoder settings (it used 768x768, 50 steps, guidance 5.0).
DECODER_STEPS, DECODER_GUIDANCE = 50, 5.0
PRIOR_STEPS, PRIOR_GUIDANCE = 25, 4.0


class ModelError(VjError):
    """Model weights are missing or are not a Kandinsky 2.2 pipeline."""


@dataclass(frozen=True)
class ModelSource:
    prior: str
    decoder: str

    @staticmethod
    def resolve(model: str | None = None, prior: str | None = None,
                decoder: str | None = None) -> "ModelSource":
        """``model`` is a folder holding ``prior/`` and ``decoder/`` or a hub prefix."""
        import re

        model = model or DEFAULT_MODEL
        p = Path(model).expanduser()
        if p.exists():
            if not ((p / "prior").is_dir() and (p / "decoder").is_dir()):
                raise ModelError(f"{p}: a model folder must hold prior/ and decoder/ "
                                 "(diffusers format); or give --prior and --decoder")
            base_prior, base_decoder = str(p / "prior"), str(p / "decoder")
        elif re.fullmatch(r"[\w.-]+/[\w.-]+", model):
            base_prior, base_decoder = f"{model}-prior", f"{model}-decoder"
        else:
            raise ModelError(f"{model}: no such model folder (and not a hub id like "
                             f"{DEFAULT_MODEL})")
        return ModelSource(prior or base_prior, decoder or base_decoder)


def _load(cls, source: str, dtype, what: str):
    kw = {} if Path(source).is_dir() else {"local_files_only": True}
    try:
        return cls.from_pretrained(source, torch_dtype=dtype, **kw)
    except Exception as e:
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
        raise ModelError(f"{source}: cannot load the Kandinsky 2.2 {what} pipeline "
                         f"({reason})") from None


@dataclass
class Kandinsky:
    """The two loaded pipelines, on one device."""

    prior: object
    decoder: object
    device: str
    dtype: object
    source: ModelSource
    info: dict = field(default_factory=dict)

    @classmethod
    def load(cls, source: ModelSource, device: str = "auto") -> "Kandinsky":
        from vj.runtime.hub import quiet

        quiet()
        from diffusers import KandinskyV22Pipeline, KandinskyV22PriorPipeline

        device, dtype = pick_device(device)
        ensure_weights([source.prior, source.decoder], marker="model_index.json",
                       error=ModelError,
                       hint="or pass --model FOLDER holding prior/ and decoder/ saved by diffusers")
        prior = _load(KandinskyV22PriorPipeline, source.prior, dtype, "prior").to(device)
        decoder = _load(KandinskyV22Pipeline, source.decoder, dtype, "decoder").to(device)
        for pipe in (prior, decoder):
            pipe.set_progress_bar_config(disable=True)
        info = {"prior": describe(source.prior), "decoder": describe(source.decoder),
                "dtype": str(dtype).replace("torch.", ""), "device": device}
        return cls(prior, decoder, device, dtype, source, info)

    @property
    def latent_shape(self) -> tuple[int, int]:
        """(channels, downscale factor) of the decoder's latents."""
        sf = 2 ** (len(self.decoder.movq.config.block_out_channels) - 1)
        return int(self.decoder.unet.config.in_channels), sf

    # 1. mix artwork and style in the prior
    def mix(self, artworks: list, style_text: str, *, image_weight: float, text_weight: float,
            seed: int, steps: int = PRIOR_STEPS, guidance: float = PRIOR_GUIDANCE):
        import torch

        per_image = image_weight / len(artworks)
        conditions = [*artworks, style_text]
        weights = [per_image] * len(artworks) + [text_weight]
        generator = torch.Generator("cpu").manual_seed(seed)
        out = self.prior.interpolate(conditions, weights, num_inference_steps=steps,
                                     generator=generator, guidance_scale=guidance,
                                     device=self.device)
        return out.image_embeds, out.negative_image_embeds

    # 2. the decoder produces a latent (not an image)
    def latent(self, image_embeds, negative_image_embeds, *, size: int | tuple[int, int],
               seed: int, steps: int = DECODER_STEPS, guidance: float = DECODER_GUIDANCE):
        """``size``: N (square) or (width, height), multiples of 64."""
        import torch

        w, h = (size, size) if isinstance(size, int) else size
        generator = torch.Generator("cpu").manual_seed(seed)
        return self.decoder(image_embeds=image_embeds, negative_image_embeds=negative_image_embeds,
                            height=h, width=w, num_inference_steps=steps,
                            guidance_scale=guidance, generator=generator,
                            output_type="latent").images

    # 3. decode once, for the thumbnails
    def decode_images(self, latents) -> np.ndarray:
        import torch

        with torch.no_grad():
            x = self.decoder.movq.decode(latents.to(self.device, self.dtype),
                                         force_not_quantize=True).sample
        x = (x.float().clamp(-1, 1) * 127.5 + 127.5).round().to(torch.uint8)
        return x.permute(0, 2, 3, 1).cpu().numpy()


@dataclass(frozen=True)
class PrepareSettings:
    size: int | tuple[int, int] = 512      # N or (width, height), multiples of 64
    seed: int = 0
    keyframes: int = 8
    image_weight: float = IMAGE_WEIGHT
    text_weight: float = TEXT_WEIGHT
    steps: int = DECODER_STEPS
    guidance: float = DECODER_GUIDANCE
    prior_steps: int = PRIOR_STEPS
    prior_guidance: float = PRIOR_GUIDANCE


def make_bank(model: Kandinsky, artworks: list[Path], style_text: str | list[str],
              settings: PrepareSettings,
              *, genre: str | None, mood: str | None, style_source: str,
              segments: list[float] | None = None, progress: bool = True,
              extra: dict | None = None, dedupe: bool = False) -> tuple[Bank, list]:
    """Run the method for every keyframe and return the bank (not yet written).
    Keyframes whose pictures are nearly the same as an earlier one's are named in a
    warning, and dropped with ``dedupe`` (vj.generate.dedupe)."""
    import torch
    from PIL import Image
    from tqdm import tqdm

    from vj.generate.dedupe import near_duplicates, report
    from vj.generate.images import open_rgb

    images = [open_rgb(p) for p in artworks]
    for im in images:  # the CLIP processor wants at most a few hundred pixels
        im.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
    count = (len(segments) if segments is not None else settings.keyframes)
    seeds = [settings.seed + k for k in range(count)]
    prompts = list(style_text) if isinstance(style_text, list) else [style_text] * count
    latents = []
    for seed, prompt in tqdm(list(zip(seeds, prompts)), desc="keyframes", unit="keyframe",
                             disable=not progress, dynamic_ncols=True):
        emb, neg = model.mix(images, prompt, image_weight=settings.image_weight,
                             text_weight=settings.text_weight, seed=seed,
                             steps=settings.prior_steps, guidance=settings.prior_guidance)
        latents.append(model.latent(emb, neg, size=settings.size, seed=seed,
                                    steps=settings.steps, guidance=settings.guidance).float().cpu())
    z = torch.cat(latents).numpy().astype(np.float32)
    thumbs = np.concatenate([model.decode_images(torch.from_numpy(z[i:i + 1]))
                             for i in range(len(z))])
    keep = report(near_duplicates(thumbs), [f"seed {s}" for s in seeds], dedupe)
    if len(keep) < len(z):
        z, thumbs = z[keep], thumbs[keep]
        seeds, prompts = [seeds[k] for k in keep], [prompts[k] for k in keep]
        segments = None if segments is None else [segments[k] for k in keep]
    manifest = make_manifest(
        "latent", z, width=thumbs.shape[2], height=thumbs.shape[1], genre=genre, mood=mood,
        style=prompts[0], style_source=style_source, prompts=prompts, seeds=seeds,
        image_weight=settings.image_weight, text_weight=settings.text_weight,
        model=model.info, decoder_steps=settings.steps, decoder_guidance=settings.guidance,
        prior_steps=settings.prior_steps, prior_guidance=settings.prior_guidance,
        segments=segments,
        sources=[{"path": str(p), "sha256": sha256_file(p)} for p in artworks], **(extra or {}))
    return Bank("latent", z, manifest), [Image.fromarray(t) for t in thumbs]
