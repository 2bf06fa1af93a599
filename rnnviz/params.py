"""The parameters of the lesson text's RNN and how to make them.

    z^t = [s^{t-1} i^t] W_s + b_s,   s^t = f_s(z^t),   o = f_o(s^T W_o + b_o)

W_s is (H+I, H): its first H rows multiply the previous state s^{t-1} (the recurrent block), its last I
rows multiply the input i^t. b_s (H,), W_o (H, O), b_o (O,), s0 (H,) the initial state s^0.
"""
import dataclasses

import numpy as np

from . import activations

PARAM_NAMES = ("W_s", "b_s", "W_o", "b_o", "s0")


@dataclasses.dataclass(frozen=True, eq=False)
class Params:
    W_s: np.ndarray   # (H+I, H)
    b_s: np.ndarray   # (H,)
    W_o: np.ndarray   # (H, O)
    b_o: np.ndarray   # (O,)
    s0: np.ndarray    # (H,)
    f_s: str = "tanh"
    f_o: str = "identity"

    def __post_init__(self):
        for name in PARAM_NAMES:
            arr = np.array(getattr(self, name), dtype=np.float64)   # a private float64 copy
            arr.setflags(write=False)                                # parameters never change in place
            object.__setattr__(self, name, arr)
        validate(self)

    @property
    def state_size(self) -> int:
        return self.W_s.shape[1]

    @property
    def input_size(self) -> int:
        return self.W_s.shape[0] - self.W_s.shape[1]

    @property
    def output_size(self) -> int:
        return self.W_o.shape[1]

    @property
    def W_ss(self) -> np.ndarray:
        """The recurrent block W_s[:H], (H, H): multiplies s^{t-1}."""
        return self.W_s[: self.state_size]

    @property
    def W_is(self) -> np.ndarray:
        """The input block W_s[H:], (I, H): multiplies i^t."""
        return self.W_s[self.state_size:]

    def replace(self, **changes) -> "Params":
        """A new Params with some fields changed (validated like any other)."""
        return dataclasses.replace(self, **changes)

    def arrays(self) -> dict:
        """{name: array} for W_s, b_s, W_o, b_o, s0."""
        return {name: getattr(self, name) for name in PARAM_NAMES}

    def equals(self, other: "Params") -> bool:
        """True when every array and activation is identical, bit for bit."""
        return (self.f_s, self.f_o) == (other.f_s, other.f_o) and all(
            np.array_equal(a, b) for a, b in zip(self.arrays().values(), other.arrays().values()))


def validate(p: Params) -> None:
    """Raise ValueError, saying what to fix, if the shapes disagree, a value is NaN/inf or an activation is unknown."""
    activations.get(p.f_s, activations.STATE_ACTIVATIONS)
    activations.get(p.f_o, activations.OUTPUT_ACTIVATIONS)
    if p.W_s.ndim != 2 or p.W_s.shape[0] < p.W_s.shape[1] or p.W_s.shape[1] < 1:
        raise ValueError(f"W_s must be (H+I, H) with H >= 1; got shape {p.W_s.shape}")
    H = p.W_s.shape[1]
    if p.W_o.ndim != 2 or p.W_o.shape[0] != H or p.W_o.shape[1] < 1:
        raise ValueError(f"W_o must be (H, O) = ({H}, O) with O >= 1 to match W_s; got shape {p.W_o.shape}")
    expected = {"b_s": (H,), "b_o": (p.W_o.shape[1],), "s0": (H,)}
    for name, shape in expected.items():
        if getattr(p, name).shape != shape:
            raise ValueError(f"{name} must have shape {shape} to match W_s and W_o; got {getattr(p, name).shape}")
    for name in PARAM_NAMES:
        bad = ~np.isfinite(getattr(p, name))
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{name} holds NaN or inf (first at index {where}): every weight must be a finite number")


def init_params(input_size: int, state_size: int, output_size: int, f_s: str = "tanh", f_o: str = "identity",
                seed: int = 0, scale: float = 1.0, s0=None) -> Params:
    """Random parameters: weights ~ N(0, scale^2 / fan_in), biases 0, s0 zeros unless given.

    fan_in is H+I for W_s and H for W_o, so that scale=1 keeps pre-activations of order 1.
    """
    for name, n in (("input_size", input_size), ("state_size", state_size), ("output_size", output_size)):
        if int(n) != n or n < 1:
            raise ValueError(f"{name} must be a whole number >= 1; got {n!r}")
    I, H, O = int(input_size), int(state_size), int(output_size)
    rng = np.random.default_rng(seed)
    W_s = rng.standard_normal((H + I, H)) * (scale / np.sqrt(H + I))
    W_o = rng.standard_normal((H, O)) * (scale / np.sqrt(H))
    return Params(W_s=W_s, b_s=np.zeros(H), W_o=W_o, b_o=np.zeros(O),
                  s0=np.zeros(H) if s0 is None else s0, f_s=f_s, f_o=f_o)


def element_names(p: Params) -> dict:
    """{element name: (parameter, index)} for every single weight, in the lesson text's naming.

    W_s rows that multiply the state are W_s<j><k>, rows that multiply the input are W_i<j><k> (j the row
    within its block, k the state unit); then W_o<j><k>, b_s<k>, b_o<k>, s0<k>. With 10 or more units
    the two indices are separated by a comma (W_s1,12) so names stay unambiguous.
    """
    H, I, O = p.state_size, p.input_size, p.output_size
    sep = "," if max(H, I, O) > 10 else ""
    names = {}
    for j in range(H + I):
        block, row = ("W_s", j) if j < H else ("W_i", j - H)
        for k in range(H):
            names[f"{block}{row}{sep}{k}"] = ("W_s", (j, k))
    for j in range(H):
        for k in range(O):
            names[f"W_o{j}{sep}{k}"] = ("W_o", (j, k))
    names.update({f"b_s{k}": ("b_s", (k,)) for k in range(H)})
    names.update({f"b_o{k}": ("b_o", (k,)) for k in range(O)})
    names.update({f"s0{k}": ("s0", (k,)) for k in range(H)})
    return names


def with_element(p: Params, name: str, value: float) -> Params:
    """p with the single weight called `name` (see element_names) set to value."""
    names = element_names(p)
    if name not in names:
        raise ValueError(f"there is no weight called {name!r} in this model")
    param, index = names[name]
    arr = np.array(getattr(p, param))
    arr[index] = value
    return p.replace(**{param: arr})
