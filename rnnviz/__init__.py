"""rnnviz: an exact numpy RNN with back-propagation through time, split per time step.

    import rnnviz as rv
    p  = rv.init_params(input_size=2, state_size=3, output_size=1, seed=0)
    tr = rv.forward(p, inputs, lengths)      # inputs (B,T,I)
    g  = rv.backward(p, tr, d_output)        # d_output = dL/do (B,O)
"""
from . import (baseline, bptt, dynamics, export, gradcheck, losses, model_io, sequences, tasks,  # noqa: F401
               training)
from .activations import OUTPUT_ACTIVATIONS, STATE_ACTIVATIONS
from .core import Grads, Trace, backward, forward
from .params import PARAM_NAMES, Params, init_params

__all__ = ["Params", "init_params", "PARAM_NAMES", "forward", "backward", "Trace", "Grads",
           "STATE_ACTIVATIONS", "OUTPUT_ACTIVATIONS"]
