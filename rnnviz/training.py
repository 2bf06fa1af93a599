"""Minibatch training of the seed's RNN (and of the feed-forward baseline beside it), one update at a time.

    tr   = forward(p, inputs, lengths)            the RNN over a minibatch, o from the final state
    L, u = loss(o), dL/do                         MSE (regression) or softmax cross-entropy (classification)
    g    = backward(p, tr, dL/do)                 BPTT: every step's copy of W_s adds its gradient
    g   *= min(1, clip / ||g||)                   clip the global norm over all parameters
    p   -= update(g)                              SGD with momentum, or Adam

The Trainer is step-wise, so a page can run a few updates per rerun:

    tr = make_trainer(make_task("sum"), config=TrainConfig(seed=0))
    losses = tr.step(100)                     # the minibatch losses of 100 updates
    tr.params                                 # the current Params (f_o as the task needs)
    tr.stopped                                # None, or the message that says why it stopped (overflow)

Both of the seed's minibatch strategies: "bucket" groups the training sequences by length
(sequences.bucket_by_length), so no batch has pads; "pad" draws batches at random and pads each to its
longest (sequences.pad_sequences), the core copying the state at a pad. Everything is deterministic for a
seed. Numpy only.

A Trainer pickles small, so that it can train in another process (training_pool): one made by make_trainer
remembers how its data were drawn (a DataRecipe) and travels without them; where it lands they are drawn
again, bit for bit (drawn_data), or taken from the copy that was sent (Trainer.take_data_from). Drawn data
are read-only and kept for the last few recipes, so the Trainers of a class that trains with the same
settings share one copy (on the server and in each worker) instead of drawing one each.
"""
import dataclasses
import functools
import time
import uuid

import numpy as np

from . import baseline, losses
from .core import backward, forward
from .params import Params, init_params
from .sequences import bucket_by_length, pad_sequences
from .tasks import Dataset, NextCharTask, Task

OPTIMIZERS = ("adam", "sgd")
STRATEGIES = ("bucket", "pad")
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8          # PyTorch's defaults
CLIP_EPS = 1e-6                                     # as torch.nn.utils.clip_grad_norm_


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How to train. optimizer "adam" or "sgd" (with momentum); lr the learning rate; clip the largest
    global gradient norm (0 = no clipping); strategy "bucket" or "pad"; learn_s0 trains the initial state;
    eval_every: the validation loss is computed every that many updates."""
    optimizer: str = "adam"
    lr: float = 0.01
    momentum: float = 0.9
    batch_size: int = 32
    clip: float = 1.0
    strategy: str = "bucket"
    learn_s0: bool = False
    seed: int = 0
    eval_every: int = 25
    lr_halflife: int = 0            # the learning rate halves every this many updates (0: constant)

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {self.optimizer!r}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be 'bucket' (group by length) or 'pad' (pad and mask); got {self.strategy!r}")
        if not (np.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"the learning rate must be a positive number such as 0.01; got {self.lr!r}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must be between 0 and 1 (0.9 is usual); got {self.momentum!r}")
        if not (isinstance(self.batch_size, (int, np.integer)) and 1 <= self.batch_size <= 4096):
            raise ValueError(f"batch_size must be a whole number from 1 to 4096; got {self.batch_size!r}")
        if not (np.isfinite(self.clip) and self.clip >= 0):
            raise ValueError(f"clip must be 0 (off) or a positive gradient norm such as 1; got {self.clip!r}")
        if not (isinstance(self.eval_every, (int, np.integer)) and self.eval_every >= 1):
            raise ValueError(f"eval_every must be a whole number >= 1; got {self.eval_every!r}")
        if not (isinstance(self.lr_halflife, (int, np.integer)) and self.lr_halflife >= 0):
            raise ValueError(f"lr_halflife must be 0 (constant rate) or a whole number of updates; got {self.lr_halflife!r}")

    def lr_at(self, k: int) -> float:
        """The learning rate of update k (1, 2, ...): lr * 0.5^((k-1) / lr_halflife), or lr when it is constant."""
        return self.lr if self.lr_halflife == 0 else self.lr * 0.5 ** ((k - 1) / self.lr_halflife)


class Optimizer:
    """SGD with momentum or Adam over a list of arrays, updated in place (PyTorch's formulas exactly).

    sgd:  v = momentum v + g;  w -= lr v
    adam: m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  w -= lr/(1-b1^k) * m / (sqrt(v)/sqrt(1-b2^k) + eps)
    """

    def __init__(self, kind: str, lr: float, momentum: float, arrays: list):
        self.kind, self.lr, self.momentum, self.k = kind, lr, momentum, 0
        self.m = [np.zeros_like(a) for a in arrays]
        self.v = [np.zeros_like(a) for a in arrays] if kind == "adam" else None

    def update(self, arrays: list, grads: list, lr: float | None = None) -> None:
        """One step; lr overrides the learning rate for this step (a schedule)."""
        self.k += 1
        lr = self.lr if lr is None else lr
        if self.kind == "sgd":
            for w, g, v in zip(arrays, grads, self.m):
                v *= self.momentum
                v += g                                                   # v = momentum v + g
                w -= lr * v                                              # w -= lr v
            return
        b1, b2 = ADAM_BETAS
        step = lr / (1 - b1 ** self.k)                                   # lr / (1 - b1^k)
        root2 = np.sqrt(1 - b2 ** self.k)                                # sqrt(1 - b2^k)
        for w, g, m, v in zip(arrays, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g                                            # m = b1 m + (1-b1) g
            v *= b2
            v += (1 - b2) * g * g                                        # v = b2 v + (1-b2) g^2
            w -= step * m / (np.sqrt(v) / root2 + ADAM_EPS)              # w -= step * m_hat / (sqrt(v_hat) + eps)


def clip_global_norm(grads: list, clip: float) -> float:
    """Scale grads in place so that their global norm is at most clip (0: leave them); returns the norm
    before clipping: ||g|| = sqrt(sum over every array of sum g^2)."""
    norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads)))     # ||g|| over all parameters
    if clip > 0 and np.isfinite(norm):
        c = clip / (norm + CLIP_EPS)
        if c < 1:
            for g in grads:
                g *= c                                                   # g <- g * clip / ||g||
    return norm


def softmax_cross_entropy(u, labels):
    """(L, dL/du) for logits u (B, O): L = mean_b [log sum_k exp(u_bk) - u_b,label], dL/du = (softmax(u) - onehot)/B.

    The same loss as ``losses.cross_entropy(softmax(u), labels)``, computed on the logits so that a
    confident wrong answer gives a large finite loss instead of log 0.
    """
    B = u.shape[0]
    z = u - u.max(axis=1, keepdims=True)                                 # shift: same softmax, no overflow
    e = np.exp(z)
    total = e.sum(axis=1, keepdims=True)
    rows = np.arange(B)
    L = float(np.mean(np.log(total[:, 0]) - z[rows, labels]))           # -log softmax(u)[label]
    du = e / total                                                       # softmax(u)
    du[rows, labels] -= 1.0                                              # softmax(u) - onehot(label)
    return L, du / B


def task_loss(task: Task, u, targets):
    """(L, dL/du) of the task on the output pre-activation u (regression: u is o, f_o = identity)."""
    if task.kind == "regression":
        return losses.mse(u, targets)                                    # L = mean (o - y)^2
    return softmax_cross_entropy(u, targets)


@dataclasses.dataclass(frozen=True)
class DataRecipe:
    """How make_trainer draws a Trainer's (train, validation) sets: datasets(task, lengths, n_train, n_val, seed).

    Small and hashable: a Trainer sends this instead of its data (next_char: ~40 MB) to another process."""
    task: Task
    lengths: tuple | int | None
    n_train: int
    n_val: int
    seed: int

    def draw(self) -> tuple:
        return datasets(self.task, self.lengths, self.n_train, self.n_val, self.seed)


class TrainingData:
    """A Trainer's data: the training and validation sets, and the training set arranged for its strategy.

    "bucket": buckets {length: (inputs (n, L, I), indices)}; "pad": every sequence padded once (padded
    (B, T, I), padded_lengths (B,)), sliced per batch. A Trainer only reads it."""

    def __init__(self, train: Dataset, val: Dataset, strategy: str):
        self.train, self.val = train, val
        self.buckets = self.padded = self.padded_lengths = None
        if strategy == "bucket":
            self.buckets = bucket_by_length(train.sequences())
        else:
            self.padded, self.padded_lengths = pad_sequences(train.sequences())

    def arrays(self) -> list:
        """Every array it holds."""
        sets = [a for d in (self.train, self.val) for a in (d.inputs, d.lengths, d.targets)]
        buckets = [a for pair in (self.buckets or {}).values() for a in pair]
        return sets + buckets + [a for a in (self.padded, self.padded_lengths) if a is not None]


@functools.lru_cache(maxsize=4)
def drawn_data(recipe: DataRecipe, strategy: str) -> TrainingData:
    """The data of a recipe arranged for a strategy, read-only: every Trainer of this recipe in the process
    (sessions on the server, copies in a worker) shares them, and none can change them. The last few are
    kept, so a class that trains with the default settings draws them once, not once per student."""
    data = TrainingData(*recipe.draw(), strategy)
    for a in data.arrays():
        a.flags.writeable = False
    return data


class Trainer:
    """Trains an RNN (and, optionally, the feed-forward baseline on the same minibatches), step by step.

    State a page reads: updates, epoch, train_losses (one per update), val_points [(update, loss)],
    stopped (None or a message), compute_seconds (time spent in step), params, ff (the baseline or None),
    run_id (the same for a Trainer and its copies, e.g. one that trained in another process).

    A Trainer made from a recipe (make_trainer, Trainer.from_recipe) pickles without its data; a copy
    draws them again when it first needs them (drawn_data), or takes them from another copy (take_data_from).
    """

    def __init__(self, task: Task, p0: Params, train: Dataset, val: Dataset, config: TrainConfig = TrainConfig(),
                 with_baseline: bool = True, data: TrainingData | None = None):
        if (p0.input_size, p0.output_size, p0.f_o) != (task.input_size, task.output_size, task.f_o):
            raise ValueError(f"the {task.title} task needs I = {task.input_size} inputs, O = {task.output_size} "
                             f"outputs and f_o = {task.f_o}; this model has I = {p0.input_size}, O = {p0.output_size}, "
                             f"f_o = {p0.f_o}")
        self.task, self.config, self.run_id, self._recipe = task, config, uuid.uuid4().hex, None
        self._data = data if data is not None else TrainingData(train, val, config.strategy)   # given: shared
        self._p = p0.replace(f_o="identity")                              # trained on u = s^T W_o + b_o (logits)
        self._f_o = task.f_o                                             # what params reports: softmax or identity
        self._arrays = [np.array(self._p.W_s), np.array(self._p.b_s), np.array(self._p.W_o), np.array(self._p.b_o),
                        np.array(self._p.s0)]                            # writable working copies
        self._trained = self._arrays if config.learn_s0 else self._arrays[:4]
        self._opt = Optimizer(config.optimizer, config.lr, config.momentum, self._trained)
        self._rng = np.random.default_rng([config.seed, 3])
        self._plan = []
        self.updates, self.epoch, self.compute_seconds = 0, 0, 0.0
        self.train_losses, self.val_points, self.stopped = [], [], None
        self.ff, self.ff_stopped = None, None
        if with_baseline:
            T_ff = int(train.lengths.max())                              # its fixed input length: the longest seen
            n_hidden = baseline.hidden_for(baseline.rnn_param_count(p0, config.learn_s0), T_ff, task.input_size,
                                           task.output_size)
            self.ff = baseline.init_feedforward(T_ff, task.input_size, task.output_size, n_hidden,
                                                f=p0.f_s, seed=config.seed)
            self._ff_opt = Optimizer(config.optimizer, config.lr, config.momentum, self.ff.arrays())
        self.val_points.append((0, self.loss_on(val)))

    @classmethod
    def from_recipe(cls, recipe: DataRecipe, p0: Params, config: TrainConfig = TrainConfig(),
                    with_baseline: bool = True) -> "Trainer":
        """A Trainer on the (shared, read-only) data the recipe draws, which it can leave out of its pickle."""
        data = drawn_data(recipe, config.strategy)
        trainer = cls(recipe.task, p0, data.train, data.val, config, with_baseline, data=data)
        trainer._recipe = recipe
        return trainer

    def __getstate__(self) -> dict:
        """Everything but the data when a recipe can draw them again (next_char: ~0.2 MB instead of ~40 MB)."""
        state = self.__dict__.copy()
        if self._recipe is not None:
            state.pop("_data", None)
        return state

    @functools.cached_property
    def _data(self) -> TrainingData:
        """Only runs for a copy unpickled without its data (__init__ sets them): the recipe's, drawn again."""
        return drawn_data(self._recipe, self.config.strategy)

    def take_data_from(self, other: "Trainer") -> None:
        """Use the data of another copy of this run (the same run_id) instead of drawing them again."""
        if other.run_id != self.run_id:
            raise ValueError("only a copy of the same run (the same run_id) has the same data")
        self._data = other._data

    # ---- what a page reads --------------------------------------------------------------------------
    @property
    def train(self) -> Dataset:
        return self._data.train

    @property
    def val(self) -> Dataset:
        return self._data.val

    @property
    def params(self) -> Params:
        """The current parameters, with the task's f_o (softmax for classification)."""
        return self._p if self._f_o == "identity" else self._p.replace(f_o=self._f_o)

    def outputs(self, data: Dataset, which: str = "rnn") -> np.ndarray:
        """u (B, O) of the RNN ("rnn") or the baseline ("ff") on a dataset: logits for classification."""
        if which == "ff":
            return baseline.predict(self.ff, data.inputs, data.lengths)
        with np.errstate(over="ignore", invalid="ignore"):
            return forward(self._p, data.inputs, data.lengths).output

    def loss_on(self, data: Dataset) -> float:
        """The task's loss of the RNN on a whole dataset (inf when its output overflows)."""
        u = self.outputs(data)
        if not np.isfinite(u).all():
            return float("inf")
        return task_loss(self.task, u, data.targets)[0]

    # ---- training -----------------------------------------------------------------------------------
    def _new_epoch(self) -> None:
        """Shuffle the minibatches of one pass over the training set."""
        bs, rng = self.config.batch_size, self._rng
        if self._data.buckets is not None:                               # "bucket": one length per batch, no pads
            plan = []
            for L, (_, idx) in self._data.buckets.items():
                order = rng.permutation(idx.size)
                plan += [(L, order[i: i + bs]) for i in range(0, idx.size, bs)]
            self._plan = [plan[i] for i in rng.permutation(len(plan))]
        else:                                                            # "pad": random batches, padded and masked
            order = rng.permutation(len(self.train))
            self._plan = [(None, order[i: i + bs]) for i in range(0, order.size, bs)]
        self.epoch += 1

    def next_batch(self):
        """(inputs, lengths or None, targets, chosen indices into the training set) of the next minibatch."""
        if not self._plan:
            self._new_epoch()
        L, chosen = self._plan.pop()
        if L is not None:
            inputs, idx = self._data.buckets[L]
            return inputs[chosen], None, self.train.targets[idx[chosen]], idx[chosen]
        lengths = self._data.padded_lengths[chosen]
        inputs = self._data.padded[chosen, : lengths.max()]              # zero pads up to the batch's longest
        return inputs, lengths, self.train.targets[chosen], chosen

    def _stop(self, what: str, loss: float) -> None:
        cures = "lower the learning rate, set a gradient clip (such as 1)"
        if self._p.f_s in ("relu", "identity"):
            cures += ", or choose f_s = tanh, which cannot grow without bound"
        self.stopped = (f"Training stopped before update {self.updates + 1}: {what} became inf or NaN "
                        f"(loss {loss:.3g}). The weights are those of update {self.updates}. To train again, {cures}, "
                        "and start again from fresh weights.")

    def step(self, n: int = 1) -> np.ndarray:
        """Run up to n updates; returns their minibatch losses (fewer when training stops on overflow)."""
        start, done = time.perf_counter(), []
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(int(n)):
                if self.stopped:
                    break
                loss = self._update()
                if loss is None:
                    break
                done.append(loss)
        self.compute_seconds += time.perf_counter() - start
        return np.array(done)

    def run_for(self, seconds: float, max_updates: int) -> np.ndarray:
        """Updates until `seconds` have passed or max_updates are done (a page's bounded share of a rerun)."""
        end, out = time.perf_counter() + seconds, []
        while len(out) < max_updates and not self.stopped and time.perf_counter() < end:
            out.extend(self.step(min(8, max_updates - len(out))))
        return np.array(out)

    def _update(self) -> float | None:
        x, lengths, y, chosen = self.next_batch()
        tr = forward(self._p, x, lengths)
        u = tr.output                                                    # u = s^T W_o + b_o
        if not np.isfinite(u).all():
            self._stop("the output", float("inf"))
            return None
        loss, du = task_loss(self.task, u, y)
        g = backward(self._p, tr, du)                                    # BPTT
        grads = [g.W_s, g.b_s, g.W_o, g.b_o, g.s0][: len(self._trained)]
        norm = clip_global_norm(grads, self.config.clip)
        if not (np.isfinite(norm) and np.isfinite(loss)):
            self._stop("the gradient" if np.isfinite(loss) else "the loss", loss)
            return None
        lr = self.config.lr_at(self.updates + 1)
        self._opt.update(self._trained, grads, lr)                       # w -= lr * (update from g)
        if not all(np.isfinite(a).all() for a in self._trained):
            for a, name in zip(self._arrays, ("W_s", "b_s", "W_o", "b_o", "s0")):
                a[...] = getattr(self._p, name)                          # back to the last finite weights
            self._stop("a weight", loss)
            return None
        W_s, b_s, W_o, b_o, s0 = self._arrays
        self._p = Params(W_s, b_s, W_o, b_o, s0, f_s=self._p.f_s, f_o="identity")
        if self.ff is not None and self.ff_stopped is None:
            self._update_baseline(x, lengths if lengths is not None else self.train.lengths[chosen], y, lr)
        self.updates += 1
        self.train_losses.append(loss)
        if self.updates % self.config.eval_every == 0:
            self.val_points.append((self.updates, self.loss_on(self.val)))
        return loss

    def _update_baseline(self, x, lengths, y, lr: float) -> None:
        """One update of the feed-forward baseline on the same minibatch, fitted to its fixed length."""
        xf = baseline.fixed_length(x, lengths, self.ff.T_ff)
        h_pre, h, u = baseline.forward(self.ff, xf)
        if not np.isfinite(u).all():
            self.ff_stopped = f"the feed-forward baseline overflowed at update {self.updates + 1} and stopped"
            return
        _, du = task_loss(self.task, u, y)
        grads = baseline.backward(self.ff, xf, h_pre, h, du)
        clip_global_norm(grads, self.config.clip)
        self._ff_opt.update(self.ff.arrays(), grads, lr)

    # ---- generalisation -----------------------------------------------------------------------------
    def by_length(self, test: Dataset) -> dict:
        """The task's metric at each length of a test set, for the RNN and the baseline.

        Returns {"lengths": (K,), "rnn": (K,), "ff": (K,) or None, "u": the RNN's outputs (B, O) on the test
        set}; see Task.metric (relative error or accuracy).
        """
        u_rnn = self.outputs(test)
        u_ff = self.outputs(test, "ff") if self.ff is not None else None
        Ls = np.unique(test.lengths)
        out = {"lengths": Ls, "rnn": np.empty(Ls.size), "ff": None if u_ff is None else np.empty(Ls.size), "u": u_rnn}
        for k, L in enumerate(Ls):
            rows = test.lengths == L
            out["rnn"][k] = self.task.metric(u_rnn[rows], test.targets[rows]) if np.isfinite(u_rnn[rows]).all() \
                else np.nan
            if u_ff is not None:
                out["ff"][k] = self.task.metric(u_ff[rows], test.targets[rows])
        return out


def default_config(task: Task, **changes) -> TrainConfig:
    """The TrainConfig a task trains well with (its learning rate and half-life), with any changes."""
    return TrainConfig(**{"lr": task.lr, "lr_halflife": task.lr_halflife, **changes})


def initial_params(task: Task, state_size: int | None = None, f_s: str | None = None, seed: int = 0,
                   scale: float = 1.0, learn_s0: bool = False) -> Params:
    """Fresh weights for the task (I, O from the task; H and f_s default to what the task recommends).

    A learned s0 starts at 0: training moves it."""
    return init_params(task.input_size, state_size or task.state_size, task.output_size,
                       f_s=f_s or task.f_s, f_o=task.f_o, seed=seed, scale=scale)


def datasets(task: Task, lengths=None, n_train: int | None = None, n_val: int = 500, seed: int = 0):
    """(train, validation): the same task and lengths, from different seeds (next_char: validation windows
    come from the held-out end of the text)."""
    train = task.make(n_train or task.n_train, lengths, seed=[seed, 0])
    held_out = task.on("held-out") if isinstance(task, NextCharTask) else task
    return train, held_out.make(n_val, lengths, seed=[seed, 1])


@functools.lru_cache(maxsize=8)
def test_set(task: Task, longest: int, n_per_length: int = 64, seed: int = 0) -> Dataset:
    """n_per_length sequences of each length 1..longest, for error/accuracy against length. Read-only and
    kept for the last few settings, so the sessions of a class share one."""
    held_out = task.on("held-out") if isinstance(task, NextCharTask) else task
    test = held_out.make_each_length(longest, n_per_length, seed=[seed, 2])
    for a in (test.inputs, test.lengths, test.targets):
        a.flags.writeable = False
    return test


def make_trainer(task: Task, lengths=None, n_train: int | None = None, state_size: int | None = None, f_s: str | None = None,
                 config: TrainConfig = TrainConfig(), params: Params | None = None, with_baseline: bool = True,
                 n_val: int = 500) -> Trainer:
    """A Trainer for the task with fresh weights from config.seed (or the given params), data from the same seed."""
    p0 = params if params is not None else initial_params(task, state_size, f_s, seed=config.seed)
    lengths = lengths if lengths is None or np.ndim(lengths) == 0 else tuple(lengths)    # hashable
    recipe = DataRecipe(task, lengths, n_train or task.n_train, n_val, config.seed)
    return Trainer.from_recipe(recipe, p0, config, with_baseline)


def state_activation_run(f_s: str, task: Task, updates: int, config: TrainConfig, lengths, n_train: int | None,
                         n_per_length: int) -> tuple:
    """(metric (K,) at lengths 1..2*longest, stopped message or None) of one RNN with state activation f_s:
    one run of compare_state_activations (a module-level function, so that a process pool can run it)."""
    longest = (lengths or task.lengths)[1]
    tr = make_trainer(task, lengths, n_train, f_s=f_s, config=config, with_baseline=False)
    tr.step(updates)
    return tr.by_length(test_set(task, 2 * longest, n_per_length, seed=config.seed))["rnn"], tr.stopped


def compare_state_activations(task: Task, choices=("relu", "identity", "tanh"), updates: int = 1500,
                              config: TrainConfig = TrainConfig(), lengths=None, n_train: int | None = None,
                              n_per_length: int = 32, map_fn=map) -> dict:
    """Train one RNN per state activation f_s (same data, seed and optimizer) and score each against length.

    Returns {"lengths": (K,) 1..2*longest, "metric": {f_s: (K,)}, "stopped": {f_s: message or None}}.
    For the sum task this shows why tanh is the wrong choice: its state cannot hold a growing total.
    map_fn runs state_activation_run over the choices: the builtin map (one after the other, here) or a process
    pool's map (training_pool).
    """
    longest = (lengths or task.lengths)[1]
    run = functools.partial(state_activation_run, task=task, updates=updates, config=config, lengths=lengths,
                            n_train=n_train, n_per_length=n_per_length)
    runs = dict(zip(choices, map_fn(run, choices)))
    return {"lengths": np.arange(1, 2 * longest + 1), "metric": {f: m for f, (m, _) in runs.items()},
            "stopped": {f: stopped for f, (_, stopped) in runs.items()}}
