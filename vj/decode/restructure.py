"""Exact rewrites of the MoVQ decoder that do less work for the same pixels.

Both are algebraic identities, checked against the unmodified decoder in
tests/test_decode.py (fp32: max difference at rounding level):

* **SpatialNorm at the latent's resolution.**  ``conv_y`` and ``conv_b`` are
  1x1 convolutions of the latent ``zq``, which diffusers first upsamples
  (nearest) to the feature map's size, up to 768x768.  A 1x1 convolution is
  per pixel and nearest upsampling only repeats pixels, so the two commute:
  ``conv(up(zq)) == up(conv(zq))``.  Computing them at 96x96 and upsampling the
  result removes two full-resolution convolutions and their outputs from each
  of the decoder's 30 SpatialNorms; torch.compile folds the upsampling into the
  normalisation's pointwise kernel, so the full-size maps are never written.

* **Upsampling as a sub-pixel convolution.**  ``conv3x3(nearest_up2(x))``: each
  of the four output phases (row and column parity) sees only a 2x2 window of
  ``x``, whose weights are sums of the 3x3 kernel's taps.  One 2x2 convolution
  of ``x`` with the four phases' kernels as 4x the output channels, then an
  interleave, gives the same result with 16 instead of 36 multiply-adds per
  input pixel and channel pair, and never materialises the upsampled input
  (at 768 px the last upsampling alone is 0.7 of the decoder's 4.9 TFLOP).

* **GroupNorm from per-channel statistics.**  With one frame and 32 groups a
  group norm is 32 long reductions, too few to fill a GPU (on the H100 the
  decoder's norms took 9 of its 22 ms).  Per-channel mean and variance are a
  reduction with C outputs; the group's mean and variance follow exactly from
  them (the law of total variance: the mean of the channel variances plus the
  variance of the channel means), then one pointwise pass normalises,
  modulates and (fused by torch.compile) applies the SiLU that follows.

* **Attention as two matrix products.**  The mid block's self-attention has one
  head of dimension 512 at 96x96 tokens; no flash kernel takes that head size,
  so scaled_dot_product_attention fell back to a slow memory-efficient kernel
  (5.9 ms of 22 at 768 px).  Softmax(Q K^T / sqrt(d)) V as two cuBLAS products
  with the softmax in float32 (as the model asks: upcast_softmax) is the same
  function.
"""
from __future__ import annotations

import copy

#: The rewrites by name (the decoder lab switches them one by one).
REWRITES = ("spatial_norm", "upsample", "group_norm", "attention")
#: Those measured faster on a GPU (H100, 2026-11-24: 768 px 25.9 -> 22.1 ms, 512 px
#: 9.40 -> 7.54 ms with channels-last; docs/decode-notes.md).  ``group_norm`` and
#: ``attention`` are exact (tested) but not yet timed on a GPU, so the compile
#: backend leaves them out until one measures them.
MEASURED = ("spatial_norm", "upsample")


def restructure(movq, rewrites=REWRITES):
    """A copy of ``movq`` (a diffusers ``VQModel``) with the ``rewrites`` applied; the
    original is left unchanged.  Returns the copy and the number of modules replaced.
    ``group_norm`` needs ``spatial_norm`` (it is applied inside it)."""
    unknown = set(rewrites) - set(REWRITES)
    if unknown:
        raise ValueError(f"unknown rewrites {sorted(unknown)}; known: {', '.join(REWRITES)}")
    from diffusers.models.attention_processor import Attention, SpatialNorm
    from diffusers.models.upsampling import Upsample2D

    m = copy.deepcopy(movq)
    replaced = 0
    for mod in m.modules():
        if ("attention" in rewrites and isinstance(mod, Attention)
                and _plain_self_attention(mod)):
            mod.set_processor(MatmulAttention())
            replaced += 1
    for parent in list(m.modules()):
        for name, child in list(parent.named_children()):
            if "spatial_norm" in rewrites and isinstance(child, SpatialNorm):
                setattr(parent, name, LowResSpatialNorm(child, "group_norm" in rewrites))
                replaced += 1
            elif ("upsample" in rewrites and isinstance(child, Upsample2D)
                  and _plain_upsample(child)):
                setattr(parent, name, SubpixelUpsample(child))
                replaced += 1
    return m, replaced


def _plain_upsample(u) -> bool:
    """Nearest x2 then a 3x3 convolution with padding 1: the case the rewrite covers."""
    conv = getattr(u, "conv", None)
    return (u.use_conv and not u.use_conv_transpose and u.interpolate and u.norm is None
            and conv is not None and tuple(conv.kernel_size) == (3, 3)
            and tuple(conv.padding) == (1, 1) and tuple(conv.stride) == (1, 1)
            and conv.groups == 1 and tuple(conv.dilation) == (1, 1))


def _plain_self_attention(attn) -> bool:
    return (attn.group_norm is None and attn.norm_q is None and attn.norm_k is None
            and not attn.is_cross_attention)


def _module():
    import torch

    return torch.nn.Module


class LowResSpatialNorm(_module()):
    """``GroupNorm(f) * up(conv_y(zq)) + up(conv_b(zq))``, the convolutions at zq's size."""

    def __init__(self, sn, channel_stats: bool = True) -> None:
        super().__init__()
        self.norm_layer, self.conv_y, self.conv_b = sn.norm_layer, sn.conv_y, sn.conv_b
        self.channel_stats = channel_stats

    def forward(self, f, zq):
        import torch.nn.functional as F

        size = f.shape[-2:]
        y = F.interpolate(self.conv_y(zq), size=size, mode="nearest")
        b = F.interpolate(self.conv_b(zq), size=size, mode="nearest")
        if not self.channel_stats:
            return self.norm_layer(f) * y + b
        return (group_norm(f, self.norm_layer) * y + b).to(f.dtype)


def group_norm(x, gn):
    """``gn(x)`` (a ``torch.nn.GroupNorm``) in float32, from per-channel statistics."""
    import torch

    n, c = x.shape[:2]
    g = gn.num_groups
    var_c, mean_c = torch.var_mean(x.float(), dim=tuple(range(2, x.dim())), correction=0)
    mean_c, var_c = mean_c.view(n, g, c // g), var_c.view(n, g, c // g)
    mean_g = mean_c.mean(-1, keepdim=True)
    var_g = var_c.mean(-1, keepdim=True) + (mean_c - mean_g).square().mean(-1, keepdim=True)
    rstd = torch.rsqrt(var_g + gn.eps)
    scale = rstd if gn.weight is None else gn.weight.float().view(1, g, c // g) * rstd
    shift = -mean_g * scale
    if gn.bias is not None:
        shift = shift + gn.bias.float().view(1, g, c // g)
    shape = (n, c) + (1,) * (x.dim() - 2)
    return x.float() * scale.reshape(shape) + shift.reshape(shape)


class MatmulAttention:
    """diffusers' AttnProcessor2_0 for plain self-attention, with the attention itself
    as ``softmax(q k^T * scale) v``: two matrix products and a float32 softmax."""

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None,
                 temb=None, *args, **kwargs):
        if encoder_hidden_states is not None or attention_mask is not None:
            raise ValueError("MatmulAttention covers self-attention without a mask")
        residual = hidden_states
        if attn.spatial_norm is not None:
            hidden_states = attn.spatial_norm(hidden_states, temb)
        four_d = hidden_states.ndim == 4
        if four_d:
            n, c, h, w = hidden_states.shape
            hidden_states = hidden_states.view(n, c, h * w).transpose(1, 2)
        n, length, _ = hidden_states.shape
        q = attn.to_q(hidden_states)
        k = attn.to_k(hidden_states)
        v = attn.to_v(hidden_states)
        d = q.shape[-1] // attn.heads

        def heads(t):
            return t.view(n, length, attn.heads, d).transpose(1, 2)

        q, k, v = heads(q) * (d ** -0.5), heads(k), heads(v)
        p = (q @ k.transpose(-1, -2)).float().softmax(dim=-1).to(v.dtype)
        out = (p @ v).transpose(1, 2).reshape(n, length, attn.heads * d)
        out = attn.to_out[1](attn.to_out[0](out))
        if four_d:
            out = out.transpose(-1, -2).reshape(n, c, h, w)
        if attn.residual_connection:
            out = out + residual
        return out / attn.rescale_output_factor


#: For output row parity p, which of the 3x3 kernel's rows land on the 2x2 window's
#: first and second row: p = 0 reads rows (i-1, i), p = 1 reads (i, i+1) of the input.
_PHASE_TAPS = (((0,), (1, 2)), ((0, 1), (2,)))


def subpixel_weights(w, b):
    """3x3 kernel ``w [Co, Ci, 3, 3]`` and bias ``b [Co]`` -> 2x2 kernels of the four
    phases stacked as ``[4 * Co, Ci, 2, 2]`` (phase = 2 * row parity + column parity)
    and the bias repeated for each, summed in float32."""
    import torch

    w32 = w.detach().float()
    phases = []
    for rows in _PHASE_TAPS:
        for cols in _PHASE_TAPS:
            k = torch.zeros((*w32.shape[:2], 2, 2), dtype=torch.float32, device=w.device)
            for a, rs in enumerate(rows):
                for c, cs in enumerate(cols):
                    k[:, :, a, c] = w32[:, :, list(rs)][:, :, :, list(cs)].sum(dim=(2, 3))
            phases.append(k)
    bias = None if b is None else b.detach().float().repeat(4)
    return torch.cat(phases), bias


class SubpixelUpsample(_module()):
    """``conv3x3(nearest_up2(x))`` as one 2x2 convolution of ``x`` and an interleave."""

    def __init__(self, up) -> None:
        import torch

        super().__init__()
        conv = up.conv
        self.channels = up.channels
        self.out_channels = conv.out_channels
        w, b = subpixel_weights(conv.weight, conv.bias)
        self.weight = torch.nn.Parameter(w.to(conv.weight.dtype), requires_grad=False)
        self.bias = (None if b is None else
                     torch.nn.Parameter(b.to(conv.weight.dtype), requires_grad=False))

    def forward(self, x, output_size=None, *args, **kwargs):
        import torch
        import torch.nn.functional as F

        n, _, h, w = x.shape
        if output_size is not None and tuple(output_size) != (2 * h, 2 * w):
            raise ValueError(f"sub-pixel upsampling is exact for 2x only, got {output_size}")
        y = F.conv2d(F.pad(x, (1, 1, 1, 1)), self.weight, self.bias)  # [n, 4Co, h+1, w+1]
        co = self.out_channels
        p = [y[:, i * co:(i + 1) * co, i // 2:i // 2 + h, i % 2:i % 2 + w] for i in range(4)]
        top = torch.stack((p[0], p[1]), dim=-1)     # row parity 0: [n, co, h, w, 2]
        bottom = torch.stack((p[2], p[3]), dim=-1)  # row parity 1
        return torch.stack((top, bottom), dim=3).reshape(n, co, 2 * h, 2 * w)
