"""Numbers as LaTeX (pure): vectors and matrices with the state part and the input part coloured apart."""
import numpy as np

STATE = "#1f77b4"
INPUT = "#ff7f0e"


SCIENTIFIC_ABOVE, SCIENTIFIC_BELOW = 1e5, 1e-3     # outside this range of |x| a number is written m × 10^e


def number(x: float, digits: int = 4) -> str:
    """One number: `digits` decimals, or in scientific notation (m × 10^e, `digits` decimals in m) when it is
    large or tiny, so no number is wider than a few characters; overflow spelled out."""
    x = float(x)
    if not np.isfinite(x):
        return r"\text{" + ("NaN" if np.isnan(x) else ("+" if x > 0 else "-") + "inf") + "}"
    if x != 0 and not SCIENTIFIC_BELOW <= abs(x) < SCIENTIFIC_ABOVE:
        mantissa, exponent = f"{x:.{max(digits - 1, 1)}e}".split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return f"{x:.{digits}f}"


def _coloured(x: float, colour: str | None, digits: int) -> str:
    return number(x, digits) if colour is None else rf"\color{{{colour}}}{{{number(x, digits)}}}"


def row_vector(v, split: int | None = None, digits: int = 4, most: int = 8) -> str:
    """[v_0 v_1 ...]; with split, the first `split` entries in the state colour, the rest in the input colour.

    More than `most` entries are elided in the middle (the first most-2, a ⋯, the last 2), so a long
    vector still fits a line; callers show the full vector elsewhere.
    """
    cells = [_coloured(x, None if split is None else (STATE if k < split else INPUT), digits) for k, x in enumerate(v)]
    if len(cells) > most:
        cells = cells[:most - 2] + [r"\cdots"] + cells[-2:]
    return r"\begin{bmatrix}" + " & ".join(cells) + r"\end{bmatrix}"


def matrix(M, split: int | None = None, digits: int = 4) -> str:
    """A matrix; with split, its first `split` rows in the state colour, a rule, then the rest in the input colour."""
    M = np.asarray(M)
    rows = []
    for j, row in enumerate(M):
        colour = None if split is None else (STATE if j < split else INPUT)
        rows.append(" & ".join(_coloured(x, colour, digits) for x in row))
    body = ""
    for j, row in enumerate(rows):
        body += row + (r" \\ \hline " if split is not None and j == split - 1 and j < len(rows) - 1 else r" \\ ")
    return r"\left[\begin{array}{" + "c" * M.shape[1] + "}" + body + r"\end{array}\right]"
