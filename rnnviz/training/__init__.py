"""Training the lesson text's RNN on a task, one update at a time (numpy only).

    config.py       TrainConfig (how to train), OPTIMIZERS, STRATEGIES, default_config(task)
    optimizer.py    Optimizer: SGD with momentum and Adam, PyTorch's formulas
    loss.py         task_loss: MSE or softmax cross-entropy on the output pre-activation (rnnviz.losses)
    data.py         DataRecipe, TrainingData, drawn_data, datasets, test_set: the data, drawn from a seed
    trainer.py      Trainer, make_trainer, initial_params: forward, loss, BPTT, clipping, update
    experiments.py  state_activation_run, compare_state_activations: several runs side by side

Gradient clipping is rnnviz.clipping (the BPTT lesson uses it too); cross-entropy is rnnviz.losses.

    tr = make_trainer(make_task("sum"), config=TrainConfig(seed=0))
    losses = tr.step(100)                     # the minibatch losses of 100 updates
"""
from ..clipping import CLIP_EPS, clip_global_norm  # noqa: F401
from ..losses import softmax_cross_entropy  # noqa: F401
from .config import OPTIMIZERS, STRATEGIES, TrainConfig, default_config  # noqa: F401
from .data import DataRecipe, TrainingData, datasets, drawn_data, test_set  # noqa: F401
from .experiments import compare_state_activations, state_activation_run  # noqa: F401
from .loss import task_loss  # noqa: F401
from .optimizer import ADAM_BETAS, ADAM_EPS, Optimizer  # noqa: F401
from .trainer import Trainer, initial_params, make_trainer  # noqa: F401

__all__ = ["OPTIMIZERS", "STRATEGIES", "TrainConfig", "default_config", "Optimizer", "task_loss", "DataRecipe",
           "TrainingData", "drawn_data", "datasets", "test_set", "Trainer", "make_trainer", "initial_params",
           "state_activation_run", "compare_state_activations"]
