"""Checks of what a caller passes that several modules share: whole numbers, and sequence lengths.

Each returns the value in the form the maths needs or raises a ValueError that says what to fix.
Numpy only; the core imports it, so it imports nothing from rnnviz.
"""
import numpy as np


def is_whole_number(v) -> bool:
    """True for a Python or numpy integer (not a bool, not a float that happens to be whole)."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def real_numbers(a, message: str) -> np.ndarray:
    """a as a float64 array when it holds real numbers (bools, integers or floats); ValueError(message) if not."""
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":                                       # objects, strings, complex numbers
        raise ValueError(message)
    return a.astype(np.float64)


def whole_numbers(a, what: str, meaning: str = "") -> np.ndarray:
    """a as an int64 array when every entry is a whole number (integers, or floats such as 2.0).

    what names the values in the message ("lengths"); meaning says what they are for (optional).
    """
    a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.integer):
        if not (np.issubdtype(a.dtype, np.floating) and np.isfinite(a).all() and (a == np.round(a)).all()):
            raise ValueError(f"{what} must be whole numbers{', ' + meaning if meaning else ''} "
                             "(NaN, inf and fractions are not)")
    return a.astype(np.int64)


def check_sequence_index(b, B: int) -> int:
    """b as an int when it picks one of the B sequences of a batch (0..B-1)."""
    if not is_whole_number(b) or not 0 <= b < B:
        raise ValueError(f"b must be the index of one sequence in the batch, a whole number 0..{B - 1}; got {b!r}")
    return int(b)


def check_lengths(lengths, B: int | None = None, T: int | None = None) -> np.ndarray:
    """lengths as a (B,) int64 array, one whole number per sequence, each from 0 to T.

    B: how many sequences there are, when it is known (the inputs' first axis); T: the steps of the
    batch, so that no length is longer (None: no upper limit). Steps at or past a sequence's length are pads.
    """
    n = np.asarray(lengths)
    if B is not None and n.shape != (B,):
        raise ValueError(f"lengths must have one entry per sequence, shape ({B},); got {n.shape}")
    if n.ndim != 1 or n.size == 0:
        raise ValueError(f"lengths must be a non-empty 1-D list of whole numbers, one per sequence; got shape {n.shape}")
    n = whole_numbers(n, "lengths")
    if T is None and (n < 0).any():
        raise ValueError(f"lengths cannot be negative; got {n.tolist()}")
    if T is not None and ((n < 0).any() or (n > T).any()):
        raise ValueError(f"every length must be between 0 and T = {T}; got {n.tolist()}")
    return n


def check_steps(T, longest: int) -> int:
    """T, the steps of a padded batch that the caller chose, when it is a whole number >= longest."""
    if not is_whole_number(T) or T < longest:
        raise ValueError(f"T must be a whole number at least as long as the longest sequence ({longest}); got {T!r}")
    return int(T)
