"""Training updates per second: rnnviz's Trainer against the same model, data and optimizer in PyTorch.

    python benchmarks/bench_training.py            # every task at its default size, both minibatch strategies
    python benchmarks/bench_training.py --quick    # fewer repetitions
    python benchmarks/bench_training.py --sum-only # only the time for the sum task to generalise

The second measurement: the sum task at its defaults (f_s = relu, H = 8, digits read as d/9, lengths 1..10,
Adam lr 0.01 halving every 2,000 updates, clip 1, minibatches of 32 grouped by length, seed 0), trained on one
core until its relative error at length 20 (twice the longest training length; 200 test sums of 20 digits)
is below 1% and stays there. Reported: training seconds (Trainer.step only) and wall seconds (data, tests and
setup included) when it first drops below 1% and from when it stays below, up to 20 s of training.

What one update is, on both sides (float64, one CPU thread):
  a minibatch of the task's training set (the Trainer's own, in the Trainer's order) -> forward through the
  RNN -> loss (MSE, or cross-entropy on the logits) -> BPTT -> clip the global gradient norm -> one
  optimizer step (Adam, or SGD with momentum, PyTorch's formulas) -> learning-rate schedule.
- rnnviz: ``Trainer.step(n)`` with the feed-forward baseline off and validation switched off
  (eval_every very large); it draws its own minibatches (that time is included).
- PyTorch: ``torch.nn.RNN(nonlinearity=f_s) + torch.nn.Linear`` with rnnviz's initial weights (bias_hh = 0),
  ``torch.optim.Adam``/``SGD``, ``clip_grad_norm_``, ``ExponentialLR`` when the rate decays, a learned h0 when
  s0 is learned; padded batches go through ``pack_padded_sequence(enforce_sorted=False)`` (timed), and it
  reads the same minibatches, drawn beforehand (that time is NOT included: torch gets its data for free).

Before timing, both train 30 updates from the same weights on the same batches and must agree on every
loss (relative 1e-9) and on the final weights (1e-8): the comparison is of the same computation.
One thread: ``torch.set_num_threads(1)`` and threadpoolctl's ``threadpool_limits(1)`` for numpy's BLAS.
Samples alternate rnnviz and torch; the table shows median updates per second and the ratio.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

from peer import threadpool_limits, torch                        # the checkout on sys.path, torch, threadpoolctl

from rnnviz import tasks, training                                 # noqa: E402

TARGET = 1.0                    # rnnviz updates/s divided by torch updates/s


class TorchTwin:
    """The Trainer's model, loss, clipping, optimizer and schedule written as a PyTorch user would."""

    def __init__(self, task: tasks.Task, p0, config: training.TrainConfig):
        H, I, O = p0.state_size, p0.input_size, p0.output_size
        if p0.f_s not in ("tanh", "relu"):
            raise ValueError("torch.nn.RNN has only tanh and relu state activations")
        self.task, self.config = task, config
        self.rnn = torch.nn.RNN(I, H, nonlinearity=p0.f_s, batch_first=True, dtype=torch.float64)
        self.head = torch.nn.Linear(H, O, dtype=torch.float64)
        with torch.no_grad():                                      # z = x W_ih^T + b_ih + h W_hh^T + b_hh
            self.rnn.weight_ih_l0.copy_(torch.from_numpy(p0.W_is.T.copy()))
            self.rnn.weight_hh_l0.copy_(torch.from_numpy(p0.W_ss.T.copy()))
            self.rnn.bias_ih_l0.copy_(torch.from_numpy(p0.b_s.copy()))
            self.rnn.bias_hh_l0.zero_()
            self.head.weight.copy_(torch.from_numpy(p0.W_o.T.copy()))
            self.head.bias.copy_(torch.from_numpy(p0.b_o.copy()))
        self.rnn.bias_hh_l0.requires_grad_(False)                  # rnnviz has one bias b_s
        self.h0 = torch.nn.Parameter(torch.from_numpy(p0.s0.copy()), requires_grad=config.learn_s0)
        self.params = [self.rnn.weight_hh_l0, self.rnn.weight_ih_l0, self.rnn.bias_ih_l0, self.head.weight,
                       self.head.bias] + ([self.h0] if config.learn_s0 else [])
        if config.optimizer == "adam":
            self.opt = torch.optim.Adam(self.params, lr=config.lr)
        else:
            self.opt = torch.optim.SGD(self.params, lr=config.lr, momentum=config.momentum)
        self.sched = (torch.optim.lr_scheduler.ExponentialLR(self.opt, 0.5 ** (1 / config.lr_halflife))
                      if config.lr_halflife else None)

    def step(self, batch) -> float:
        x, lengths, y = batch
        self.opt.zero_grad(set_to_none=True)
        h0 = self.h0.expand(1, x.shape[0], -1).contiguous()
        if lengths is not None:
            packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            _, h_n = self.rnn(packed, h0)
        else:
            _, h_n = self.rnn(x, h0)
        u = self.head(h_n[0])
        if self.task.kind == "regression":
            loss = torch.nn.functional.mse_loss(u, y)
        else:
            loss = torch.nn.functional.cross_entropy(u, y)
        loss.backward()
        if self.config.clip > 0:
            torch.nn.utils.clip_grad_norm_(self.params, self.config.clip)
        self.opt.step()
        if self.sched is not None:
            self.sched.step()
        return loss.item()

    def weights(self) -> dict:
        """The twin's weights in rnnviz's layout."""
        W_s = np.concatenate([self.rnn.weight_hh_l0.detach().numpy().T, self.rnn.weight_ih_l0.detach().numpy().T])
        return {"W_s": W_s, "b_s": self.rnn.bias_ih_l0.detach().numpy(), "W_o": self.head.weight.detach().numpy().T,
                "b_o": self.head.bias.detach().numpy(), "s0": self.h0.detach().numpy()}


def torch_batches(trainer: training.Trainer, n: int) -> list:
    """n minibatches in the order the trainer draws them, as torch tensors (draws from `trainer`)."""
    out = []
    for _ in range(n):
        x, lengths, y, _ = trainer.next_batch()
        yt = torch.from_numpy(np.ascontiguousarray(y))
        out.append((torch.from_numpy(np.ascontiguousarray(x)), None if lengths is None else torch.from_numpy(lengths),
                    yt))
    return out


def make_pair(name: str, strategy: str, seed: int = 0, **config_changes):
    """(rnnviz Trainer, TorchTwin, a third Trainer that only draws the same minibatches)."""
    task = tasks.make_task(name)
    config = training.default_config(task, strategy=strategy, seed=seed, eval_every=10**9, **config_changes)

    def trainer():
        return training.make_trainer(task, config=config, with_baseline=False, n_val=1)
    ours, drawer = trainer(), trainer()
    return ours, TorchTwin(task, ours.params, config), drawer


def check_same(name: str, strategy: str, n: int = 30, **config_changes) -> float:
    """Train both n updates; raise if a loss or a final weight differs. Returns the largest relative difference."""
    ours, twin, drawer = make_pair(name, strategy, **config_changes)
    losses = ours.step(n)
    theirs = np.array([twin.step(b) for b in torch_batches(drawer, n)])
    worst = float(np.max(np.abs(losses - theirs) / np.abs(theirs)))
    if losses.size != n or worst > 1e-9:
        raise SystemExit(f"{name}/{strategy}: rnnviz and torch losses differ (relative {worst:.2e})")
    for key, w in twin.weights().items():
        mine = getattr(ours.params, key)
        diff = np.abs(mine - w).max() / max(np.abs(w).max(), 1e-12)
        if diff > 1e-8:
            raise SystemExit(f"{name}/{strategy}: rnnviz and torch disagree on {key} after {n} updates ({diff:.2e})")
        worst = max(worst, diff)
    return worst


def bench(name: str, strategy: str, reps: int, per_sample: float = 0.05):
    """Median updates per second of rnnviz and torch (interleaved samples of ~per_sample seconds)."""
    ours, twin, drawer = make_pair(name, strategy)
    ours.step(20)
    per = max(5, int(per_sample / (ours.compute_seconds / 20)))
    batches = torch_batches(drawer, per * (reps + 2))
    for b in batches[:per]:                                       # warm-up
        twin.step(b)
    r_np, r_torch, k = [], [], per
    for r in range(reps):
        order = (0, 1) if r % 2 == 0 else (1, 0)
        for side in order:
            t0 = time.perf_counter()
            if side == 0:
                ours.step(per)
                r_np.append(per / (time.perf_counter() - t0))
            else:
                for b in batches[k: k + per]:
                    twin.step(b)
                k += per
                r_torch.append(per / (time.perf_counter() - t0))
    if ours.stopped:
        raise SystemExit(f"{name}/{strategy}: training stopped during the benchmark: {ours.stopped}")
    return statistics.median(r_np), statistics.median(r_torch)


def time_to_generalise(budget_s: float = 20.0, check_every: int = 250, seed: int = 0) -> dict:
    """Train the sum task until budget_s seconds of training; the relative error at length 20 every check_every."""
    start = time.perf_counter()
    task = tasks.make_task("sum")
    trainer = training.make_trainer(task, config=training.default_config(task, seed=seed), with_baseline=False)
    test = training.test_set(task, 2 * task.lengths[1], n_per_length=200, seed=seed + 1)
    longest = test.lengths == 2 * task.lengths[1]
    history = []                                                  # (updates, training s, wall s, error at 20)
    while trainer.compute_seconds < budget_s and not trainer.stopped:
        trainer.step(check_every)
        err = task.metric(trainer.outputs(test)[longest], test.targets[longest])
        history.append((trainer.updates, trainer.compute_seconds, time.perf_counter() - start, err))
    below = [h[3] < 0.01 for h in history]
    first = next((h for h, b in zip(history, below) if b), None)
    settled = None
    for k in range(len(history) - 1, -1, -1):                     # the earliest check after which all are below
        if not below[k]:
            break
        settled = history[k]
    return {"first": first, "settled": settled, "final": history[-1], "stopped": trainer.stopped}


def report_time_to_generalise() -> None:
    r = time_to_generalise()
    fmt = lambda h: (f"update {h[0]:,}: {h[1]:.2f} s training, {h[2]:.2f} s wall, error at length 20 {h[3]:.3%}"
                     if h else "never")
    print("Sum task, relative error at length 20 (twice the training length) below 1%, one core:")
    print(f"  first below 1%:       {fmt(r['first'])}")
    print(f"  below 1% from then on: {fmt(r['settled'])}")
    print(f"  at the end:           {fmt(r['final'])}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--sum-only", action="store_true", help="only the sum task's time to generalise")
    args = ap.parse_args(argv)
    reps = 5 if args.quick else 15
    torch.set_num_threads(1)
    limits = threadpool_limits(limits=1) if threadpool_limits is not None else None
    if limits is None:
        print("threadpoolctl is not installed: numpy's BLAS may use several threads (pip install threadpoolctl)")
    if args.sum_only:
        report_time_to_generalise()
        return 0
    print(f"numpy {np.__version__}, torch {torch.__version__}, {os.cpu_count()} CPUs, one thread each; "
          f"{reps} interleaved samples per row\n")
    rows = [(name, strategy) for name in tasks.TASKS for strategy in training.STRATEGIES]
    for name, strategy in rows:                                   # fairness first: the same computation
        check_same(name, strategy)
    check_same("sum", "pad", optimizer="sgd", lr=0.003, learn_s0=True)
    print("checked: 30 updates of every row give the same losses (1e-9) and weights (1e-8) as torch\n")
    header = (f"{'task':<10} {'minibatches':<12} {'(B, T<=, I, H, O)':<20} {'rnnviz upd/s':>12} {'torch upd/s':>12} "
              f"{'ratio':>6}  ok")
    print(header)
    print("-" * len(header))
    all_ok = True
    for name, strategy in rows:
        task = tasks.make_task(name)
        size = f"(32, {task.lengths[1]}, {task.input_size}, {task.state_size}, {task.output_size})"
        u_np, u_torch = bench(name, strategy, reps)
        ratio = u_np / u_torch
        ok = ratio >= TARGET
        all_ok &= ok
        print(f"{name:<10} {strategy:<12} {size:<20} {u_np:>12,.0f} {u_torch:>12,.0f} {ratio:>6.2f}  {'yes' if ok else 'NO'}")
    print(f"\ntarget: ratio >= {TARGET} (rnnviz at least as many updates per second as torch)\n")
    report_time_to_generalise()
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
