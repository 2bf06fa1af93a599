"""Activation functions f_s and f_o, each with its local derivative beside it.

Every activation is a pair: ``forward(z) -> y`` and ``backward(z, y, dy) -> dz``, where ``dy = dL/dy`` and
``dz = dL/dz``. ``backward`` receives both z and y = f(z) so each derivative can use whichever is exact
and cheap (tanh' = 1 - y^2 uses y; relu' uses z).
"""
from typing import Callable, NamedTuple

import numpy as np


class Activation(NamedTuple):
    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    backward: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    elementwise: bool = True


def _sigmoid(z):
    e = np.exp(-np.abs(z))                            # never overflows: exp of a non-positive number
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))     # shift by the max: same softmax, no overflow
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS = {
    # tanh'(z) = 1 - tanh(z)^2
    "tanh": Activation("tanh", np.tanh, lambda z, y, dy: dy * (1.0 - y * y)),
    # relu'(z) = 1 where z > 0, else 0
    "relu": Activation("relu", lambda z: np.maximum(z, 0.0), lambda z, y, dy: dy * (z > 0)),
    # sigmoid'(z) = y (1 - y)
    "sigmoid": Activation("sigmoid", _sigmoid, lambda z, y, dy: dy * y * (1.0 - y)),
    # identity'(z) = 1
    "identity": Activation("identity", lambda z: z.copy(), lambda z, y, dy: dy.copy()),
    # softmax: dz = y * (dy - sum_k dy_k y_k)   (the Jacobian diag(y) - y^T y applied to dy)
    "softmax": Activation("softmax", _softmax,
                          lambda z, y, dy: y * (dy - (dy * y).sum(axis=-1, keepdims=True)), elementwise=False),
}

STATE_ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity")
OUTPUT_ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity", "softmax")


def get(name: str, allowed=OUTPUT_ACTIVATIONS) -> Activation:
    """The activation called ``name``; ValueError naming the allowed choices otherwise."""
    if name not in allowed:
        raise ValueError(f"unknown activation {name!r}: choose one of {', '.join(allowed)}")
    return ACTIVATIONS[name]
