"""The refinement of decoded frames (docs/refine.md), the same code live and offline.

For each frame at keyframe position (k, s) with strength σ:

1. encode it with the tiny autoencoder (TAESD) into its latent x;
2. noise it to the timestep t = σ x 999 with the noise of this keyframe pair: each
   keyframe has its own fixed noise (seeded), and the frame's noise is their slerp
   at s, so the same position always gets the same noise and the noise travels with
   the picture instead of boiling;
3. one step of the distilled UNet (two with ``steps=2``), conditioned on the
   keyframes' prompt embeddings blended with the same weight s, gives the clean
   latent;
4. decode it with the tiny decoder.

σ = 0 gives the decoded frame untouched.  Keyframe prompts are embedded once per
bank (:meth:`Refiner.prepare_bank`); a request the same as the one before reuses
its picture (the similarity filter of StreamDiffusion, at its simplest).
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

#: Banks whose embeddings and noise are kept (least recently used out)
KEEP_BANKS = 4
NOISE_SEED = 1234


def alphas_cumprod(sched: dict) -> np.ndarray:
    """ᾱ_t of a diffusers scheduler config (linear or scaled-linear betas)."""
    n = int(sched.get("num_train_timesteps", 1000))
    b0, b1 = float(sched.get("beta_start", 0.00085)), float(sched.get("beta_end", 0.012))
    if sched.get("beta_schedule", "scaled_linear") == "scaled_linear":
        betas = np.linspace(b0 ** 0.5, b1 ** 0.5, n) ** 2
    else:
        betas = np.linspace(b0, b1, n)
    return np.cumprod(1.0 - betas)


def bank_prompts(bank, style_text: str) -> list[str]:
    """The text each keyframe is refined towards: a Kandinsky bank's own prompts (or
    its style), or ``style_text`` (the genre preset's) for an image bank."""
    m = bank.manifest
    prompts = m.get("prompts") or ([m["style"]] if m.get("style") else [style_text])
    return [prompts[i % len(prompts)] for i in range(bank.count)]


class Refiner:
    def __init__(self, models, device: str, dtype, *, steps: int = 1, backend: str = "eager",
                 name: str = "refine") -> None:
        import torch

        unet, vae, text, tok, sched = models
        if steps not in (1, 2):
            raise ValueError("the refinement takes one step or two")
        self.device, self.dtype, self.steps, self.name = device, dtype, steps, name
        self.unet, self.vae, self.text, self.tok = unet, vae, text, tok
        self.v_pred = sched.get("prediction_type") == "v_prediction"
        a = torch.tensor(alphas_cumprod(sched), dtype=torch.float32, device=device)
        self.alpha, self.T = a, len(a)
        self.encode_fn, self.decode_fn, self.unet_fn = vae.encoder, vae.decoder, unet
        if backend == "compile":
            self.encode_fn = torch.compile(vae.encoder, dynamic=False)
            self.decode_fn = torch.compile(vae.decoder, dynamic=False)
            self.unet_fn = torch.compile(unet, dynamic=False)
        elif backend != "eager":
            raise ValueError(f"refine backend {backend!r}: eager or compile")
        self._banks: OrderedDict = OrderedDict()   # key -> (embeddings [N, L, D], prompts)
        self._noise: OrderedDict = OrderedDict()   # (key, h, w) -> noise [N, 4, h, w]
        self._last = None                          # (key, k, s, σ, input id) -> output

    # -- per bank, on the loader ---------------------------------------------------------------
    def prepare_bank(self, key, prompts: list[str]) -> None:
        """Embed the keyframes' prompts once (the loader calls this as it opens a bank)."""
        import torch

        if key in self._banks and self._banks[key][1] == prompts:
            self._banks.move_to_end(key)
            return
        uniq = sorted(set(prompts))
        ids = self.tok(uniq, padding="max_length", max_length=self.tok.model_max_length,
                       truncation=True, return_tensors="pt").input_ids.to(self.device)
        with torch.inference_mode():
            emb = self.text(ids)[0].to(self.dtype)
        index = {p: i for i, p in enumerate(uniq)}
        self._banks[key] = (emb[[index[p] for p in prompts]], list(prompts))
        while len(self._banks) > KEEP_BANKS:
            gone, _ = self._banks.popitem(last=False)
            for nk in [n for n in self._noise if n[0] == gone]:
                del self._noise[nk]

    def _noise_of(self, key, count: int, h: int, w: int):
        import torch

        nk = (key, h, w)
        if nk not in self._noise:
            gens = [torch.Generator("cpu").manual_seed(NOISE_SEED + k) for k in range(count)]
            n = torch.stack([torch.randn((4, h, w), generator=g) for g in gens])
            self._noise[nk] = n.to(self.device, torch.float32)
            while len(self._noise) > 2 * KEEP_BANKS:
                self._noise.popitem(last=False)
        return self._noise[nk]

    # -- the stage ------------------------------------------------------------------------------
    def refine(self, frames: np.ndarray, key, ks, ss, strengths) -> np.ndarray:
        """Refine uint8 frames [B, H, W, 3] (or one [H, W, 3]) at keyframe positions
        ``ks, ss`` with ``strengths``; uint8 of the same shape (σ = 0: unchanged)."""
        import torch

        one = frames.ndim == 3
        x = frames[None] if one else frames
        ks = np.atleast_1d(np.asarray(ks, np.int64))
        ss = np.atleast_1d(np.asarray(ss, np.float64))
        st = np.atleast_1d(np.asarray(strengths, np.float64))
        if not np.any(st > 0):
            return frames
        with torch.inference_mode():
            out = self._refine(torch.from_numpy(np.array(x, np.uint8)), key, ks, ss, st)
            out = out.cpu().numpy()
        keep = st <= 0
        if np.any(keep):
            out[keep] = x[keep]
        return out[0] if one else out

    def refine_one(self, frame: np.ndarray, key, k: int, s: float, strength: float):
        """The live path: one frame; the same request as the last reuses its picture."""
        sig = (key, int(k), round(float(s), 6), round(float(strength), 4), frame.shape,
               _digest(frame))
        if self._last is not None and self._last[0] == sig:
            return self._last[1]
        out = self.refine(frame, key, [k], [s], [strength])
        self._last = (sig, out)
        return out

    def _refine(self, img, key, ks, ss, st):
        import torch

        emb_all, _ = self._banks[key]
        count = len(emb_all)
        x = img.to(self.device).permute(0, 3, 1, 2).to(self.dtype) / 127.5 - 1.0
        lat = self.encode_fn(x)          # TAESD's encoder: [-1, 1] in, its latents out
        _, _, h, w = lat.shape
        noise_all = self._noise_of(key, count, h, w)
        k0 = torch.as_tensor(ks % count, device=self.device)
        k1 = torch.as_tensor((ks + 1) % count, device=self.device)
        s_t = torch.as_tensor(ss, device=self.device, dtype=torch.float32).view(-1, 1, 1, 1)
        noise = slerp(noise_all[k0], noise_all[k1], s_t)
        emb = torch.lerp(emb_all[k0].float(), emb_all[k1].float(), s_t.view(-1, 1, 1)) \
            .to(self.dtype)
        t = torch.as_tensor(np.clip(np.round(st * (self.T - 1)), 1, self.T - 1).astype(np.int64),
                            device=self.device)
        z = lat.float()
        for step in range(self.steps):
            tt = t if step == 0 else torch.clamp(t // 2, min=1)
            z = self._step(z, noise, tt, emb)
        return self._decode(z.to(self.dtype))

    def _step(self, x0, noise, t, emb):
        a = self.alpha[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        pred = self.unet_fn(xt.to(self.dtype), t, encoder_hidden_states=emb).sample.float()
        if self.v_pred:
            return a.sqrt() * xt - (1 - a).sqrt() * pred
        return (xt - (1 - a).sqrt() * pred) / a.sqrt()

    def _decode(self, z):
        import torch

        y = self.decode_fn(z)             # TAESD's decoder: [-1, 1] out
        y = (y.float().clamp(-1, 1) * 127.5 + 127.5).round().to(torch.uint8)
        return y.permute(0, 2, 3, 1)


def slerp(a, b, s):
    """Spherical interpolation of two noise tensors per batch row (s: [B, 1, 1, 1])."""
    import torch

    fa, fb = a.flatten(1), b.flatten(1)
    cos = (fa * fb).sum(1) / (fa.norm(dim=1) * fb.norm(dim=1)).clamp_min(1e-12)
    theta = torch.arccos(cos.clamp(-1.0, 1.0)).view(-1, 1, 1, 1)
    sin = torch.sin(theta)
    small = sin.abs() < 1e-6
    w0 = torch.where(small, 1 - s, torch.sin((1 - s) * theta) / torch.where(small, 1.0, sin))
    w1 = torch.where(small, s, torch.sin(s * theta) / torch.where(small, 1.0, sin))
    return w0 * a + w1 * b


def _digest(frame: np.ndarray) -> int:
    """A cheap fingerprint of a frame (a strided sample of its pixels)."""
    v = frame.reshape(-1)[:: max(1, frame.size // 4096)]
    return hash(v.tobytes())


def elapsed_parts(refiner: Refiner, frame: np.ndarray, key, strength: float) -> dict:
    """ms of encode, UNet step(s) and decode of one frame (vj bench refine), each
    synchronised on a GPU."""
    import time

    import torch

    sync = torch.cuda.synchronize if str(refiner.device).startswith("cuda") else (lambda: None)
    with torch.inference_mode():
        x = torch.from_numpy(frame[None]).to(refiner.device).permute(0, 3, 1, 2) \
            .to(refiner.dtype) / 127.5 - 1.0
        sync()
        t0 = time.perf_counter()
        lat = refiner.encode_fn(x)
        sync()
        t1 = time.perf_counter()
        emb = refiner._banks[key][0][:1]
        noise = refiner._noise_of(key, len(refiner._banks[key][0]), *lat.shape[2:])[:1]
        t = torch.as_tensor([max(1, round(strength * (refiner.T - 1)))], device=refiner.device)
        z = lat.float()
        for _ in range(refiner.steps):
            z = refiner._step(z, noise, t, emb)
        sync()
        t2 = time.perf_counter()
        refiner._decode(z.to(refiner.dtype))
        sync()
        t3 = time.perf_counter()
    return {"encode_ms": (t1 - t0) * 1e3, "step_ms": (t2 - t1) * 1e3,
            "decode_ms": (t3 - t2) * 1e3, "total_ms": (t3 - t0) * 1e3}
