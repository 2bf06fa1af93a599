"""Ready-made input sequences for the lessons (pure numpy, no streamlit).

A preset gives the real steps of one sequence; pads are added by the caller. Characters and digits are
one-hot vectors, so those presets fix the input size I to the vocabulary's size.
"""
import dataclasses

import numpy as np

from .sequences import Vocabulary, digits_one_hot

PRESETS = ("random vectors", "typed text", "digits")
MAX_T = 1000


@dataclasses.dataclass(frozen=True)
class Sequence:
    """inputs (T, I) of the real steps; labels[t] names step t+1's input (a character, digit or '')."""
    inputs: np.ndarray
    labels: tuple
    note: str = ""


def required_input_size(preset: str, text: str = "", digits: str = ""):
    """The I a preset needs (the vocabulary size), or None when any I works."""
    if preset == "typed text":
        return Vocabulary.from_text(text).size if text else None
    if preset == "digits":
        return 10
    return None


def make_sequence(preset: str, I: int, T: int = 6, text: str = "", digits: str = "", seed: int = 0) -> Sequence:
    """The real steps of a preset sequence; ValueError that says what to fix for bad settings."""
    if preset == "random vectors":
        if not 0 <= T <= MAX_T:
            raise ValueError(f"the length T must be between 0 and {MAX_T}")
        x = np.random.default_rng([seed, 2]).uniform(-1.0, 1.0, (T, I))      # i^t ~ U(-1, 1), from the seed
        return Sequence(x, ("",) * T)
    if preset == "typed text":
        if not text:
            raise ValueError("type some text: each character becomes one step")
        if len(text) > MAX_T:
            raise ValueError(f"the text is {len(text)} characters long; at most {MAX_T} fit")
        vocab = Vocabulary.from_text(text)
        return Sequence(vocab.one_hot(text), tuple(text),
                        note=f"one-hot over the {vocab.size} distinct characters " + " ".join(repr(c) for c in vocab.tokens))
    if preset == "digits":
        digits = digits.replace(" ", "").replace(",", "")
        if not digits or not digits.isdigit():
            raise ValueError("type digits 0-9, e.g. 31415")
        if len(digits) > MAX_T:
            raise ValueError(f"{len(digits)} digits are too many; at most {MAX_T} fit")
        return Sequence(digits_one_hot([int(d) for d in digits]), tuple(digits), note="one-hot over the digits 0-9")
    raise ValueError(f"unknown preset {preset!r}: choose one of {', '.join(PRESETS)}")
