"""How to train: a TrainConfig (optimizer, learning rate and its schedule, clipping, minibatches, seed).

Numpy only. default_config gives the settings a task trains well with.
"""
import dataclasses

import numpy as np

from ..checks import is_whole_number
from ..tasks import Task

OPTIMIZERS = ("adam", "sgd")
STRATEGIES = ("bucket", "pad")


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
        if not (is_whole_number(self.batch_size) and 1 <= self.batch_size <= 4096):
            raise ValueError(f"batch_size must be a whole number from 1 to 4096; got {self.batch_size!r}")
        if not (np.isfinite(self.clip) and self.clip >= 0):
            raise ValueError(f"clip must be 0 (off) or a positive gradient norm such as 1; got {self.clip!r}")
        if not (is_whole_number(self.eval_every) and self.eval_every >= 1):
            raise ValueError(f"eval_every must be a whole number >= 1; got {self.eval_every!r}")
        if not (is_whole_number(self.lr_halflife) and self.lr_halflife >= 0):
            raise ValueError(f"lr_halflife must be 0 (constant rate) or a whole number of updates; got {self.lr_halflife!r}")

    def lr_at(self, k: int) -> float:
        """The learning rate of update k (1, 2, ...): lr * 0.5^((k-1) / lr_halflife), or lr when it is constant."""
        return self.lr if self.lr_halflife == 0 else self.lr * 0.5 ** ((k - 1) / self.lr_halflife)


def default_config(task: Task, **changes) -> TrainConfig:
    """The TrainConfig a task trains well with (its learning rate and half-life), with any changes."""
    return TrainConfig(**{"lr": task.lr, "lr_halflife": task.lr_halflife, **changes})
