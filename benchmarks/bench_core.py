"""Forward + backward of rnnviz's exact numpy core against what a PyTorch user would write.

    python benchmarks/bench_core.py            # full run (about 30 s)
    python benchmarks/bench_core.py --quick    # fewer repetitions (about 10 s)

What is timed, per size (B, T, H, I) with one output (O = 1), float64, tanh state, identity head:

- rnnviz:  ``tr = rv.forward(p, x, lengths); g = rv.backward(p, tr, ones((B, 1)))``
  (d_output = dL/do = 1 is the gradient of loss = output.sum()).
- PyTorch: ``torch.nn.RNN(I, H, nonlinearity="tanh", batch_first=True)`` + ``torch.nn.Linear(H, 1)``,
  float64; when some sequence is padded the batch goes through
  ``pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)`` (timed, since a user
  packs every batch); the head reads the last real state h_n; ``loss = output.sum(); loss.backward()``.
  A batch with no pads (every B = 1 size) runs unpacked, torch's faster path.
- For information (not the target): torch on a padded batch WITHOUT packing, reading each sequence's last
  real state from the output at step length-1 (same numbers for a one-way RNN). Packing costs torch a
  lot on CPU (about 7x at (64,200,128,32)), so this column shows how rnnviz compares with torch's
  fastest correct path.

About half the sequences of a batch (B > 1) get a random length in 1..T, the rest are full; B = 1 is full.
Both run in this process on one thread: ``torch.set_num_threads(1)`` and, when threadpoolctl is importable
(``pip install threadpoolctl``; it is not a requirement of rnnviz), ``threadpool_limits(1)`` for numpy's
OpenBLAS. Without threadpoolctl OpenBLAS may use every core and the numbers are not one-thread numbers
(the script says so). Each size is warmed up, then rnnviz and torch samples are interleaved (rotating
which goes first); a sample times a loop of calls long enough (~10 ms) for the clock; the table shows
median times per call and the ratio rnnviz / torch, with the target (<= 0.6, <= 0.9 at (64,200,128,32)).
Before timing, the script checks that both compute the same output and gradients (to 1e-9).

OpenBLAS environment. ``OPENBLAS_CORETYPE`` forces which kernel set OpenBLAS's DYNAMIC_ARCH build uses
instead of the one it detects (SkylakeX on this machine); ``OPENBLAS_L2_SIZE`` overrides the L2 cache size
OpenBLAS blocks its products for. They change numpy's speed only (torch uses its own MKL), so they move
the ratios; rnnviz's exactness holds under every kernel set (benchmarks/check_core_exactness.py checks it
under OPENBLAS_CORETYPE=Prescott, Core2, Nehalem, Sandybridge, Haswell, SkylakeX, Zen). Measured here
(--quick): OPENBLAS_CORETYPE=Haswell moved the ratios by at most ~0.05; OPENBLAS_CORETYPE=Prescott
(old SSE kernels, reported as "Katmai") made rnnviz 25-35% slower: 0.69 at (32,50,64,16), over its target;
OPENBLAS_L2_SIZE=65536 changed nothing measurable. See whether they are set with ``env | grep OPENBLAS``;
the script prints them and, through threadpoolctl, the kernel set actually in use. To measure the
machine's own kernels, unset them for that one command only:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_core.py

They must be set or unset before numpy is imported (OpenBLAS reads them when it loads). Timings on a
shared machine move by 10-20% from run to run; the interleaving keeps the ratios steadier than the times.
"""
import argparse
import os
import statistics
import time

import numpy as np

from peer import threadpool_info, threadpool_limits, torch      # the checkout on sys.path, torch, threadpoolctl

import rnnviz as rv                                                # noqa: E402

SIZES = [(1, 10, 8, 2), (1, 100, 16, 2), (32, 50, 64, 16), (64, 200, 128, 32), (1, 1000, 256, 8)]
TARGETS = {(64, 200, 128, 32): 0.9}        # every other size: 0.6
DEFAULT_TARGET = 0.6


def make_problem(B, T, H, I, seed=0):
    """Parameters, inputs (B,T,I) and lengths (B,): half the sequences (B > 1) get a random length."""
    rng = np.random.default_rng(seed)
    p = rv.init_params(I, H, 1, f_s="tanh", f_o="identity", seed=seed)
    p = p.replace(b_s=0.1 * rng.standard_normal(H), b_o=0.1 * rng.standard_normal(1))
    x = rng.standard_normal((B, T, I))
    lengths = np.full(B, T, dtype=np.int64)
    if B > 1:
        padded = rng.choice(B, size=B // 2, replace=False)
        lengths[padded] = rng.integers(1, T + 1, size=B // 2)
    return p, x, lengths


def make_torch(p, x, lengths, pack=True):
    """The torch model with rnnviz's weights, and a function running forward + backward once.

    pack=False (informational): run the padded batch unpacked and read each sequence's last real state
    from the output at step length-1, which gives the same numbers for a one-way RNN.
    """
    H, I = p.state_size, p.input_size
    rnn = torch.nn.RNN(I, H, nonlinearity="tanh", batch_first=True, dtype=torch.float64)
    head = torch.nn.Linear(H, 1, dtype=torch.float64)
    with torch.no_grad():                                    # z = x W_ih^T + b_ih + h W_hh^T + b_hh
        rnn.weight_ih_l0.copy_(torch.from_numpy(p.W_is.T.copy()))
        rnn.weight_hh_l0.copy_(torch.from_numpy(p.W_ss.T.copy()))
        rnn.bias_ih_l0.copy_(torch.from_numpy(p.b_s.copy()))
        rnn.bias_hh_l0.zero_()
        head.weight.copy_(torch.from_numpy(p.W_o.T.copy()))
        head.bias.copy_(torch.from_numpy(p.b_o.copy()))
    params = list(rnn.parameters()) + list(head.parameters())
    xt = torch.from_numpy(x)
    lt = torch.from_numpy(lengths)
    padded = bool((lengths < x.shape[1]).any())
    last = torch.from_numpy(lengths - 1)
    rows = torch.arange(x.shape[0])

    def run():
        for q in params:                                     # what optimizer.zero_grad(set_to_none=True) does
            q.grad = None
        if padded and pack:
            packed = torch.nn.utils.rnn.pack_padded_sequence(xt, lt, batch_first=True, enforce_sorted=False)
            _, h_n = rnn(packed)                             # h_n (1, B, H): each sequence's last real state
            h_last = h_n[0]
        elif padded:
            states, _ = rnn(xt)                              # (B, T, H), garbage after each length
            h_last = states[rows, last]                      # each sequence's last real state
        else:
            _, h_n = rnn(xt)
            h_last = h_n[0]
        out = head(h_last)
        loss = out.sum()
        loss.backward()
        return out

    return run, rnn, head


def make_rnnviz(p, x, lengths):
    d_output = np.ones((x.shape[0], 1))                      # dL/do for loss = output.sum()

    def run():
        tr = rv.forward(p, x, lengths)
        return tr, rv.backward(p, tr, d_output)

    return run


def check_same(p, x, lengths, run_np, run_torch, rnn, head):
    """Both sides compute the same output and gradients (to 1e-9 relative): the comparison is fair."""
    tr, g = run_np()
    out = run_torch().detach().numpy()
    H = p.state_size
    W_s_torch = np.concatenate([rnn.weight_hh_l0.grad.numpy().T, rnn.weight_ih_l0.grad.numpy().T])
    pairs = {"output": (tr.output, out), "W_s": (g.W_s, W_s_torch), "b_s": (g.b_s, rnn.bias_ih_l0.grad.numpy()),
             "W_o": (g.W_o, head.weight.grad.numpy().T), "b_o": (g.b_o, head.bias.grad.numpy())}
    for name, (a, b) in pairs.items():
        scale = max(np.abs(b).max(), 1e-12)
        if a.shape != b.shape or np.abs(a - b).max() > 1e-9 * scale:
            raise SystemExit(f"rnnviz and torch disagree on {name} at H={H}: the benchmark would be unfair")


def time_loop(fn, n):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def calls_per_sample(fn, seconds=0.01):
    """How many calls make one sample of about `seconds`."""
    once = time_loop(fn, 1)
    return max(1, int(seconds / max(once, 1e-7)))


def bench_size(size, reps, warmup_s):
    """Median seconds per call: rnnviz, torch (packed when padded), torch unpacked (None without pads)."""
    p, x, lengths = make_problem(*size)
    runs = [make_rnnviz(p, x, lengths)]
    run_torch, rnn, head = make_torch(p, x, lengths)
    check_same(p, x, lengths, runs[0], run_torch, rnn, head)
    runs.append(run_torch)
    if (lengths < x.shape[1]).any():
        run_unpacked, rnn2, head2 = make_torch(p, x, lengths, pack=False)
        check_same(p, x, lengths, runs[0], run_unpacked, rnn2, head2)
        runs.append(run_unpacked)
    end = time.perf_counter() + warmup_s                     # warm-up: caches, allocator, lazy init
    while time.perf_counter() < end:
        for run in runs:
            run()
    calls = [calls_per_sample(run) for run in runs]
    times = [[] for _ in runs]
    for r in range(reps):                                    # interleaved, rotating which goes first
        for i in range(len(runs)):
            j = (i + r) % len(runs)
            times[j].append(time_loop(runs[j], calls[j]))
    medians = [statistics.median(t) for t in times]
    return medians[0], medians[1], (medians[2] if len(medians) > 2 else None)


def describe_environment():
    lines = [f"numpy {np.__version__}, torch {torch.__version__}, {os.cpu_count()} CPUs"]
    blas_env = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    lines.append("OpenBLAS environment: " + (", ".join(f"{k}={v}" for k, v in sorted(blas_env.items()))
                                              if blas_env else "none set"))
    if threadpool_info is None:
        lines.append("threadpoolctl not installed: numpy's OpenBLAS is NOT limited to one thread "
                     "(pip install threadpoolctl)")
    else:
        for lib in threadpool_info():
            if lib.get("internal_api") == "openblas":
                lines.append(f"numpy's BLAS: OpenBLAS {lib.get('version')}, kernel set "
                             f"{lib.get('architecture')}, {lib.get('num_threads')} thread(s) in this run")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions and a shorter warm-up")
    args = ap.parse_args(argv)
    reps, warmup_s = (7, 0.2) if args.quick else (31, 1.0)
    torch.set_num_threads(1)
    limits = threadpool_limits(limits=1) if threadpool_limits is not None else None
    try:
        for line in describe_environment():
            print(line)
        print(f"{reps} interleaved samples per size, median time per forward+backward\n")
        header = (f"{'(B, T, H, I)':<20} {'rnnviz ms':>10} {'torch ms':>10} {'ratio':>7} {'target':>7}  ok "
                  f"| {'unpacked ms':>11} {'ratio':>7}")
        print(header)
        print("-" * len(header))
        all_ok = True
        for size in SIZES:
            t_np, t_torch, t_unpacked = bench_size(size, reps, warmup_s)
            ratio = t_np / t_torch
            target = TARGETS.get(size, DEFAULT_TARGET)
            ok = ratio <= target
            all_ok &= ok
            info = (f"{t_unpacked * 1e3:>11.3f} {t_np / t_unpacked:>7.2f}" if t_unpacked is not None
                    else f"{'(no pads)':>11} {'':>7}")
            print(f"{str(size):<20} {t_np * 1e3:>10.3f} {t_torch * 1e3:>10.3f} {ratio:>7.2f} {target:>7.2f}  "
                  f"{'yes' if ok else 'NO':<3} | {info}", flush=True)
        print("\nall targets met" if all_ok else "\nsome targets missed")
        print("ratio = rnnviz / torch as a user writes it (pack_padded_sequence when padded); the last two "
              "columns,\nfor information only: torch on the padded batch unpacked, reading the state at "
              "each length - 1.")
    finally:
        if limits is not None:
            limits.restore_original_limits()


if __name__ == "__main__":
    main()
