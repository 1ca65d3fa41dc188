"""Spherical interpolation between keyframe latents (docs/design.md, section 5)."""
from __future__ import annotations

import math

import torch

#: Above this |cos(angle)| the vectors are treated as parallel (or opposite)
#: and interpolated linearly: the slerp weights would divide by sin(angle) ~ 0.
DOT_THRESHOLD = 0.9995


def slerp(a: torch.Tensor, b: torch.Tensor, s: float | torch.Tensor, *,
          dot_threshold: float = DOT_THRESHOLD) -> torch.Tensor:
    """Spherical interpolation of ``a`` and ``b`` at position ``s`` in [0, 1].

    Parameters
    ----------
    a, b : torch.Tensor
        Tensors of the same shape ``[B, ...]`` (or unbatched ``[...]``, with a
        scalar ``s``).  Each item is flattened to one vector.
    s : float or torch.Tensor
        Position: a scalar, or a tensor of shape ``[B]`` (one per item).

    Returns
    -------
    torch.Tensor
        Same shape, dtype and device as ``a``.  ``s == 0`` gives ``a`` and
        ``s == 1`` gives ``b`` exactly.  Nearly parallel or opposite vectors
        fall back to linear interpolation, so the result is always finite.

    Examples
    --------
    >>> a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    >>> slerp(a, b, 0.5)
    tensor([0.7071, 0.7071])
    """
    if a.shape != b.shape:
        raise ValueError(f"slerp: a and b differ in shape: {tuple(a.shape)} vs {tuple(b.shape)}")
    s_t = torch.as_tensor(s, device=a.device)
    batched = s_t.ndim == 1
    if batched and (a.ndim == 0 or a.shape[0] != s_t.shape[0]):
        raise ValueError(f"slerp: s has {s_t.shape[0]} positions for a batch of shape "
                         f"{tuple(a.shape)}")
    shape = a.shape
    work = torch.float64 if a.dtype == torch.float64 else torch.float32
    va = a.reshape(shape[0] if batched else 1, -1).to(work)
    vb = b.reshape(va.shape).to(work)
    t = s_t.to(work).reshape(-1, 1)

    na, nb = va.norm(dim=1, keepdim=True), vb.norm(dim=1, keepdim=True)
    dot = ((va * vb).sum(dim=1, keepdim=True) / (na * nb).clamp_min(1e-30)).clamp(-1.0, 1.0)
    theta = torch.acos(dot)
    sin_theta = torch.sin(theta)
    safe = sin_theta.abs() > 1e-12
    denom = torch.where(safe, sin_theta, torch.ones_like(sin_theta))
    wa_s = torch.sin((1.0 - t) * theta) / denom
    wb_s = torch.sin(t * theta) / denom
    linear = (dot.abs() > dot_threshold) | ~safe
    wa = torch.where(linear, 1.0 - t, wa_s)
    wb = torch.where(linear, t, wb_s)
    out = wa * va + wb * vb
    # Exact endpoints, whatever the rounding above.
    out = torch.where(t == 0, va, torch.where(t == 1, vb, out))
    return out.reshape(shape).to(a.dtype)


def pair_angle(a: torch.Tensor, b: torch.Tensor, *,
               dot_threshold: float = DOT_THRESHOLD) -> tuple[float, float, bool]:
    """``(theta, sin(theta), linear)`` of two tensors taken as flat vectors: all that
    :func:`slerp_weights` needs, found once per keyframe pair."""
    va, vb = a.reshape(-1).double(), b.reshape(-1).double()
    denom = float(va.norm() * vb.norm())
    dot = min(1.0, max(-1.0, float(va @ vb) / max(denom, 1e-30)))
    theta = math.acos(dot)
    sin_theta = math.sin(theta)
    linear = abs(dot) > dot_threshold or abs(sin_theta) <= 1e-12
    return theta, sin_theta, linear


def slerp_weights(theta: float, sin_theta: float, linear: bool, s: float) -> tuple[float, float]:
    """The weights ``(wa, wb)`` with ``slerp(a, b, s) = wa * a + wb * b`` (plain floats)."""
    if linear:
        return 1.0 - s, s
    return math.sin((1.0 - s) * theta) / sin_theta, math.sin(s * theta) / sin_theta


class KeyframeSlerp:
    """``slerp(z[k], z[k + 1], s)`` over a fixed list of keyframes, written into one
    preallocated tensor: the angles of all pairs are found once, so a frame costs a
    fill, a multiply and a multiply-add with no allocation (the live hot path).

    ``out`` is where each result goes (any dtype, e.g. a view on a decoder's input
    buffer); the same tensor is returned by every call.
    """

    def __init__(self, z: torch.Tensor, out: torch.Tensor) -> None:
        if tuple(out.shape) != tuple(z.shape[1:]):
            raise ValueError(f"KeyframeSlerp: out has shape {tuple(out.shape)}, keyframes "
                             f"{tuple(z.shape[1:])}")
        self.z = z.float()
        self.items = list(self.z)  # views made once
        self.count = len(self.items)
        self.pairs = [pair_angle(self.items[k], self.items[(k + 1) % self.count])
                      for k in range(self.count)]
        self.out = out
        self._mix = torch.empty_like(self.items[0])
        self._w = torch.zeros((), dtype=self._mix.dtype, device=self._mix.device)

    def __call__(self, k: int, s: float) -> torch.Tensor:
        k %= self.count
        s = 0.0 if not s > 0.0 else (1.0 if s > 1.0 else float(s))
        wa, wb = slerp_weights(*self.pairs[k], s)
        self._w.fill_(wa)
        torch.mul(self.items[k], self._w, out=self._mix)
        self._mix.add_(self.items[(k + 1) % self.count], alpha=wb)
        self.out.copy_(self._mix)
        return self.out
