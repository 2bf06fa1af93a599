"""The optimizers training uses: SGD with momentum and Adam, PyTorch's formulas exactly (numpy only)."""
import numpy as np

ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8          # PyTorch's defaults


class Optimizer:
    """SGD with momentum or Adam over a list of arrays, updated in place (PyTorch's formulas exactly).

    sgd:  v = momentum v + g;  w -= lr v
    adam: m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  w -= lr/(1-b1^k) * m / (sqrt(v)/sqrt(1-b2^k) + eps)

    kind: "sgd" or "adam" (config.OPTIMIZERS); arrays: the weights it will update, for the shapes of its
    state (m: the momentum or Adam's first moment, v: Adam's second moment, k: updates so far).
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
