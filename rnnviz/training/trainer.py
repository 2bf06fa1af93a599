"""The Trainer: minibatch training of the lesson text's RNN (and of the feed-forward baseline beside it),
one update at a time (numpy only).

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

Everything is deterministic for a seed. A Trainer pickles small, so that it can train in another process
(training_pool): one made by make_trainer remembers how its data were drawn (a DataRecipe) and travels
without them; where it lands they are drawn again, bit for bit (drawn_data), or taken from the copy that
was sent (Trainer.take_data_from).
"""
import functools
import time
import uuid

import numpy as np

from .. import baseline
from ..clipping import clip_global_norm
from ..core import backward, forward
from ..params import Params, init_params
from ..tasks import Dataset, Task
from .config import TrainConfig
from .data import DataRecipe, TrainingData, drawn_data
from .loss import task_loss
from .optimizer import Optimizer


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


def initial_params(task: Task, state_size: int | None = None, f_s: str | None = None, seed: int = 0,
                   scale: float = 1.0, learn_s0: bool = False) -> Params:
    """Fresh weights for the task (I, O from the task; H and f_s default to what the task recommends).

    A learned s0 starts at 0: training moves it."""
    return init_params(task.input_size, state_size or task.state_size, task.output_size,
                       f_s=f_s or task.f_s, f_o=task.f_o, seed=seed, scale=scale)


def make_trainer(task: Task, lengths=None, n_train: int | None = None, state_size: int | None = None, f_s: str | None = None,
                 config: TrainConfig = TrainConfig(), params: Params | None = None, with_baseline: bool = True,
                 n_val: int = 500) -> Trainer:
    """A Trainer for the task with fresh weights from config.seed (or the given params), data from the same seed."""
    p0 = params if params is not None else initial_params(task, state_size, f_s, seed=config.seed)
    lengths = lengths if lengths is None or np.ndim(lengths) == 0 else tuple(lengths)    # hashable
    recipe = DataRecipe(task, lengths, n_train or task.n_train, n_val, config.seed)
    return Trainer.from_recipe(recipe, p0, config, with_baseline)
