"""Gradient clipping, both kinds: the BPTT lesson shows them and training clips with the first (numpy only).

    ||g|| = sqrt(sum over every parameter of sum g^2)             the global norm
    g    <- g * min(1, clip / (||g|| + eps))                      clip the global norm: the direction is kept
    g    <- min(max(g, -c), c)                                    clip every element: the direction changes

Training clips a list of arrays in place with eps = CLIP_EPS, as torch.nn.utils.clip_grad_norm_ does
(clip_global_norm); the BPTT lesson clips a {name: gradient} dict into new arrays with eps = 0, so that a
clipped gradient's norm is c exactly (clipped_global_norm, clip_elementwise).
"""
import numpy as np

CLIP_EPS = 1e-6                                     # as torch.nn.utils.clip_grad_norm_


def global_norm(grads) -> float:
    """||g|| = sqrt of the sum of every squared gradient element, over a list (or dict) of arrays."""
    arrays = grads.values() if isinstance(grads, dict) else grads
    return float(np.sqrt(sum(float(np.vdot(g, g)) for g in arrays)))    # ||g|| over all parameters


def clip_scale(norm: float, clip: float, eps: float = CLIP_EPS) -> float:
    """min(1, clip / (norm + eps)): what clipping multiplies every gradient by (1 when clip is 0: off)."""
    if not clip > 0 or norm + eps <= clip:
        return 1.0
    return clip / (norm + eps)                                           # clip / ||g||


def clip_global_norm(grads: list, clip: float, eps: float = CLIP_EPS) -> float:
    """Scale grads (a list of arrays) in place so that their global norm is at most clip (0: leave them);
    returns the norm before clipping. A norm that is not finite leaves them as they are (training stops on it)."""
    norm = global_norm(grads)
    if np.isfinite(norm):
        scale = clip_scale(norm, clip, eps)
        if scale < 1:
            for g in grads:
                g *= scale                                               # g <- g * clip / ||g||
    return norm


def _check_threshold(c: float) -> None:
    if not c > 0:
        raise ValueError("the clipping threshold must be a positive number")


def clipped_global_norm(grads: dict, c: float) -> tuple:
    """(grads scaled by min(1, c / ||grads||) as new arrays, the scale): the direction kept, the length
    capped at c exactly (eps = 0). grads: {name: array}; c > 0."""
    _check_threshold(c)
    scale = clip_scale(global_norm(grads), c, eps=0.0)                  # min(1, c / ||g||)
    return {name: v * scale for name, v in grads.items()}, scale


def clip_elementwise(grads: dict, c: float) -> dict:
    """Every gradient element clipped to [-c, c] (new arrays). grads: {name: array}; c > 0."""
    _check_threshold(c)
    return {name: np.clip(v, -c, c) for name, v in grads.items()}
