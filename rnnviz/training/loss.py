"""The loss a task trains with, on the output pre-activation u = s^T W_o + b_o (numpy only).

    regression:      L = mean (o - y)^2 with o = u (f_o = identity)         losses.mse
    classification:  L = -mean_b log softmax(u)_b,label_b                  losses.softmax_cross_entropy
"""
from .. import losses
from ..tasks import Task


def task_loss(task: Task, u, targets):
    """(L, dL/du) of the task on u (B, O): targets (B, O) numbers (regression) or (B,) class labels."""
    if task.kind == "regression":
        return losses.mse(u, targets)                                    # L = mean (o - y)^2
    return losses.softmax_cross_entropy(u, targets)                      # L = -mean log softmax(u)[label]
