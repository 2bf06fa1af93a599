"""Check rnnviz's exactness contract over many random shapes (a script, not a timed test).

    python benchmarks/check_core_exactness.py             # 300 random shapes + edge shapes
    python benchmarks/check_core_exactness.py --n 50      # fewer

(1) Batching: every sequence's states s^0..s^T and output o are bit-for-bit the same whether it runs alone
    (B = 1, same T, its pads included), alone with its pads cut off (T = its length; states up to there),
    or inside the padded batch.
(2) Pads: appending pad steps (with arbitrary pad vectors) to the whole batch changes no state at a real
    step, no output and no gradient total (W_s, b_s, W_o, b_o, s0), bit for bit; deltas and dL/ds^t at the
    original steps do not change either, and the appended steps copy the state / pass the gradient.

(2) also: replacing the pad vectors inside the batch by 1e300 changes no state, output or gradient total.

Shapes: B 1..70, H 1..260, I 1..40, T 0..24, random lengths (0..T, some full), every state activation,
a random output activation, random nonzero s0 and biases. Exits non-zero on the first failure.

The properties must hold for every BLAS kernel: run it also under other OpenBLAS kernel sets, e.g.

    for ct in Prescott Core2 Nehalem Sandybridge Haswell SkylakeX Zen; do
        OPENBLAS_CORETYPE=$ct python benchmarks/check_core_exactness.py; done

"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import rnnviz as rv                                                # noqa: E402

GRAD_TOTALS = ("W_s", "b_s", "W_o", "b_o", "s0")


def random_case(rng, B, H, I, T, f_s, f_o):
    O = int(rng.integers(1, 4))
    p = rv.init_params(I, H, O, f_s=f_s, f_o=f_o, seed=int(rng.integers(1 << 30)), scale=float(rng.uniform(0.5, 2)))
    p = p.replace(b_s=0.3 * rng.standard_normal(H), b_o=0.3 * rng.standard_normal(O), s0=0.5 * rng.standard_normal(H))
    x = rng.standard_normal((B, T, I)) * rng.uniform(0.1, 3)
    lengths = rng.integers(0, T + 1, size=B)
    lengths[rng.random(B) < 0.4] = T                               # some sequences full
    return p, x, lengths


def check_case(p, x, lengths, rng):
    """Return a message for the first violated property, or None."""
    B, T, I = x.shape
    tr = rv.forward(p, x, lengths)
    for b in range(B):
        n = int(lengths[b])
        alone = rv.forward(p, x[b:b + 1], lengths[b:b + 1])
        if not np.array_equal(alone.states[0], tr.states[b]):
            return f"(1) states of sequence {b} (length {n}) differ alone vs in the batch"
        if not np.array_equal(alone.output[0], tr.output[b]):
            return f"(1) output of sequence {b} differs alone vs in the batch"
        cut = rv.forward(p, x[b:b + 1, :n], None)
        if not np.array_equal(cut.states[0], tr.states[b, :n + 1]):
            return f"(1) states of sequence {b} differ without its pads vs in the batch"
        if not np.array_equal(cut.output[0], tr.output[b]):
            return f"(1) output of sequence {b} differs without its pads vs in the batch"

    # (2) the pads' values are never used: replace every in-batch pad vector by huge numbers
    x_huge = x.copy()
    x_huge[np.arange(T)[None, :] >= lengths[:, None]] = 1e300
    tr_huge = rv.forward(p, x_huge, lengths)
    if not (np.array_equal(tr_huge.states, tr.states) and np.array_equal(tr_huge.output, tr.output)):
        return "(2) the values of the pad vectors changed a state or the output"

    # (2) append k pad steps holding arbitrary (finite) vectors
    k = int(rng.integers(1, 6))
    x_more = np.concatenate([x, 1e3 * rng.standard_normal((B, k, I))], axis=1)
    tr2 = rv.forward(p, x_more, lengths)
    if not np.array_equal(tr2.states[:, :T + 1], tr.states):
        return "(2) appending pads changed a state"
    if not (tr2.states[:, T + 1:] == tr.states[:, T:T + 1]).all():
        return "(2) an appended pad step did not copy the state"
    if not np.array_equal(tr2.output, tr.output):
        return "(2) appending pads changed the output"
    d_output = rng.standard_normal(tr.output.shape)
    g, g2 = rv.backward(p, tr, d_output), rv.backward(p, tr2, d_output)
    g_huge = rv.backward(p, tr_huge, d_output)
    for name in GRAD_TOTALS:
        if not np.array_equal(getattr(g, name), getattr(g_huge, name)):
            return f"(2) the values of the pad vectors changed the gradient total {name}"
    for name in GRAD_TOTALS:
        if not np.array_equal(getattr(g, name), getattr(g2, name)):
            return f"(2) appending pads changed the gradient total {name}"
    if not np.array_equal(g2.deltas[:, :T], g.deltas) or (g2.deltas[:, T:] != 0).any():
        return "(2) appending pads changed deltas (or a pad's delta is not 0)"
    if not np.array_equal(g2.d_states[:, :T + 1], g.d_states):
        return "(2) appending pads changed dL/ds^t"
    if not (g2.d_states[:, T:] == g.d_states[:, T:T + 1]).all():
        return "(2) the gradient did not pass through an appended pad unchanged"
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="number of random shapes")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    f_states = rv.STATE_ACTIVATIONS
    f_outputs = rv.OUTPUT_ACTIVATIONS
    edges = [(1, 1, 1, 1), (70, 1, 1, 3), (1, 260, 40, 5), (70, 260, 40, 4), (2, 3, 1, 24), (33, 64, 16, 10),
             (64, 128, 32, 8), (7, 257, 3, 6), (65, 255, 39, 5), (17, 8, 2, 24),
             (4, 1, 2, 0), (5, 3, 2, 0), (8, 1, 2, 0), (3, 1, 1, 2)]                    # T = 0: pads only
    shapes = edges + [(int(rng.integers(1, 71)), int(rng.integers(1, 261)), int(rng.integers(1, 41)),
                       int(rng.integers(1, 25))) for _ in range(args.n)]
    for i, (B, H, I, T) in enumerate(shapes):
        f_s = f_states[i % len(f_states)]
        f_o = f_outputs[int(rng.integers(len(f_outputs)))]
        p, x, lengths = random_case(rng, B, H, I, T, f_s, f_o)
        with np.errstate(all="ignore"):
            msg = check_case(p, x, lengths, rng)
        if msg:
            sys.exit(f"FAILED at (B,H,I,T)={(B, H, I, T)} f_s={f_s} f_o={f_o} lengths={lengths.tolist()}: {msg}")
    print(f"exactness (1) batching and (2) pads: all {len(shapes)} shapes pass "
          f"(B 1..70, H 1..260, I 1..40, T 0..24)")


if __name__ == "__main__":
    main()
