"""Files a student can take away: the numbers of a run as CSV, the parameters, and a PyTorch script.

    text = states_csv(tr)                  # t, pad, s_0 .. s_{H-1} for t = 0..T (one sequence)
    text = deltas_csv(g, tr)               # t, pad, delta_0 .. delta_{H-1} for t = 1..T
    text = contributions_csv(g, tr)        # long format: t, parameter, row, col, name, value
    text = batch_csv(inputs, lengths, "i") # a padded batch: b, t, pad, i_0 .. (or states with "s", first_step=0)
    text = mask_csv(lengths, T)            # b, t, real (1) or pad (0)
    data = params_npz(p); text = params_json(p)
    code = pytorch_script(p, inputs, lengths, objective)   # rebuilds the model in PyTorch and checks it

Every number is written exactly: Python's repr of a float64 is the shortest text that reads back as
the same float (``float(text) == x``), so a CSV parsed with float() gives the core's arrays bit for bit.
Numpy and the standard library only; pure functions returning str or bytes.
"""
import csv
import io

import numpy as np

from . import model_io
from .bptt import Objective
from .checks import check_sequence_index
from .core import Grads, Trace, backward, forward
from .params import PARAM_NAMES, Params, element_names

# contributions_csv writes T * (H+I) * H rows for W_s: above this many it refuses (a file of hundreds of MB)
MAX_CONTRIBUTION_ELEMENTS = 1_000_000
TOLERANCE = 1e-9                    # the generated PyTorch script's largest allowed relative difference


def _csv_text(header: list, rows) -> str:
    """CSV text (comma separated, "\\n" line ends); floats written by repr, i.e. exactly."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _csv_row(values: list) -> str:
    """One CSV row without its line end (fields with commas or quotes are quoted)."""
    return _csv_text(values, [])[:-1]


def states_csv(tr: Trace, b: int = 0) -> str:
    """The states of sequence b as CSV: columns t, pad, s_0 .. s_{H-1}, one row per t = 0..T.

    Row t holds s^t (row 0 is s^0). pad is 1 where step t is a pad (s^t = s^{t-1}), else 0 (always 0 at t = 0).
    """
    b = check_sequence_index(b, tr.states.shape[0])
    H = tr.states.shape[2]
    pads = [0] + (~tr.mask[b]).astype(int).tolist()                   # t = 0 is the initial state, not a step
    rows = ([t, pads[t], *s] for t, s in enumerate(tr.states[b].tolist()))
    return _csv_text(["t", "pad"] + [f"s_{k}" for k in range(H)], rows)


def deltas_csv(g: Grads, tr: Trace, b: int = 0) -> str:
    """delta^t = dL/dz^t of sequence b as CSV: columns t, pad, delta_0 .. delta_{H-1}, one row per t = 1..T.

    delta^t is exactly 0 at a pad (the step computed nothing).
    """
    b = check_sequence_index(b, tr.states.shape[0])
    H = g.deltas.shape[2]
    pads = (~tr.mask[b]).astype(int).tolist()
    rows = ([t + 1, pads[t], *d] for t, d in enumerate(g.deltas[b].tolist()))
    return _csv_text(["t", "pad"] + [f"delta_{k}" for k in range(H)], rows)


def batch_csv(values, lengths, name: str, first_step: int = 1) -> str:
    """A batch of per-step vectors as CSV: columns b, t, pad, name_0 .. name_{K-1}, one row per sequence b and
    step t. values (B, n, K): the inputs i^1..i^T (first_step=1) or states s^0..s^T (first_step=0); pad is 1 at
    the steps past sequence b's length (t > length), which the mask marks as pads (the state is a copy there)."""
    values, lengths = np.asarray(values, dtype=np.float64), np.asarray(lengths)
    B, n, K = values.shape
    rows = ([b, t, int(t > lengths[b]), *v] for b in range(B)
            for t, v in zip(range(first_step, first_step + n), values[b].tolist()))
    return _csv_text(["b", "t", "pad"] + [f"{name}_{k}" for k in range(K)], rows)


def mask_csv(lengths, T: int) -> str:
    """The mask of a batch as CSV: columns b, t, real; real is 1 where step t (1..T) of sequence b is one of its
    own steps (t <= length), 0 at a pad."""
    lengths = np.asarray(lengths)
    return _csv_text(["b", "t", "real"], ([b, t, int(t <= L)] for b, L in enumerate(lengths.tolist())
                                          for t in range(1, T + 1)))


def check_contributions_size(tr: Trace) -> None:
    """ValueError when contributions_csv would write more than MAX_CONTRIBUTION_ELEMENTS W_s rows."""
    T = tr.mask.shape[1]
    HI, H = tr.params.W_s.shape
    n = T * HI * H
    if n > MAX_CONTRIBUTION_ELEMENTS:
        raise ValueError(f"the per-step contributions are T x (H+I) x H = {T} x {HI} x {H} = {n:,} numbers, more "
                         f"than the {MAX_CONTRIBUTION_ELEMENTS:,} a CSV export allows: shorten the sequence "
                         "(or use fewer state units)")


def contributions_csv(g: Grads, tr: Trace) -> str:
    """Every step's contribution dL/dW_s^t and dL/db_s^t (summed over the batch) in long format.

    Columns t, parameter, row, col, name, value; t = 1..T. For W_s, (row, col) index W_s (rows 0..H-1
    multiply s^{t-1}, rows H.. multiply i^t) and name is the lesson text's (W_s00, W_i00, ...); b_s is a row
    vector, so b_s[k] is row 0, col k (name b_s<k>). Summing value over t for one (parameter, row, col)
    gives g.W_s[row, col] or g.b_s[col] (to rounding); at a pad every value is 0.

    Each step's (H+I, H) block [s^{t-1} i^t]^T delta^t is built from its two factors one step at a time;
    a model with T (H+I) H > MAX_CONTRIBUTION_ELEMENTS is refused (ValueError: shorten the sequence).
    """
    check_contributions_size(tr)
    p = tr.params
    names = {(param, idx): name for name, (param, idx) in element_names(p).items()}
    HI, H = p.W_s.shape
    T = tr.mask.shape[1]

    # the constant columns (parameter, row, col, name) of every element, CSV-quoted once
    w_prefixes = [_csv_row(["W_s", j, k, names[("W_s", (j, k))]]) for j in range(HI) for k in range(H)]
    b_prefixes = [_csv_row(["b_s", 0, k, names[("b_s", (k,))]]) for k in range(H)]
    out = io.StringIO()
    out.write("t,parameter,row,col,name,value\n")
    for t in range(T):                                                    # one step's block at a time
        x, d = g.xs[:, t], g.deltas[:, t]                                 # (B, H+I), (B, H)
        C = x.T @ d + 0.0                                                 # dL/dW_s^t = [s^{t-1} i^t]^T delta^t (+0.0: no -0.0)
        c_b = d.sum(axis=0) + 0.0                                         # dL/db_s^t = delta^t, summed over the batch
        out.write("".join(f"{t + 1},{pre},{v!r}\n" for pre, v in zip(w_prefixes, C.ravel().tolist())))
        out.write("".join(f"{t + 1},{pre},{v!r}\n" for pre, v in zip(b_prefixes, c_b.tolist())))
    return out.getvalue()


def params_npz(p: Params) -> bytes:
    """The parameters as .npz bytes (rnnviz.model_io.to_npz: one float64 array each, f_s and f_o as strings)."""
    return model_io.to_npz(p)


def params_json(p: Params) -> str:
    """The parameters as JSON text (rnnviz.model_io.to_json: nested lists, every number exact)."""
    return model_io.to_json(p)


# --------------------------------------------------------------------------------------------------
# A standalone PyTorch script that rebuilds the model and checks rnnviz's numbers
# --------------------------------------------------------------------------------------------------

def _literal(a) -> str:
    """A Python literal for an array: floats by repr (exact), one row per line for 2-D and 3-D arrays."""
    a = np.asarray(a)
    if a.ndim == 0:
        return repr(a.item())
    if a.ndim == 1:
        return repr(a.tolist())
    if a.ndim == 2:
        return "[\n" + "".join(f"    {row!r},\n" for row in a.tolist()) + "]"
    blocks = ["    [\n" + "".join(f"        {row!r},\n" for row in block) + "    ],\n" for block in a.tolist()]
    return "[\n" + "".join(blocks) + "]"


_F_O_TORCH = {"identity": "pre", "tanh": "torch.tanh(pre)", "relu": "torch.relu(pre)",
              "sigmoid": "torch.sigmoid(pre)", "softmax": "torch.softmax(pre, dim=1)"}
_F_S_TORCH = {"identity": "z", "tanh": "torch.tanh(z)", "relu": "torch.relu(z)", "sigmoid": "torch.sigmoid(z)"}

_HEADER = '''"""An rnnviz model rebuilt in PyTorch: does PyTorch compute the same numbers?

Generated by rnnviz (rnnviz.export.pytorch_script). Run it with  python {file_name}  (it needs only torch).
Every number below is written exactly (Python's repr of a float64), and PyTorch computes in float64.

The model, in the lesson's notation (row vectors, steps t = 1..T):
    s^0 = s0
    z^t = [s^{{t-1}} i^t] W_s + b_s
    s^t = f_s(z^t)           at a real step (t <= the sequence's length)
    s^t = s^{{t-1}}            at a pad
    o   = f_o(s^T W_o + b_o)
with f_s = {f_s} and f_o = {f_o}; sizes I = {I} (inputs), H = {H} (state units), O = {O} (outputs);
B = {B} sequence(s) padded to T = {T} steps, with lengths {lengths}.
{what}

The script checks the output o, the last state s^T{grad_list} against the values rnnviz
computed (EXPECTED): the largest difference relative to the largest entry must be <= {tol:g}.
"""
import torch

TOLERANCE = {tol!r}

# ---- the parameters. W_s is (H+I, H): its first H rows multiply s^{{t-1}}, its last I rows multiply i^t
F_S = {f_s!r}
F_O = {f_o!r}
W_S = {W_s}
B_S = {b_s}
W_O = {W_o}
B_O = {b_o}
S0 = {s0}

# ---- the sequences: INPUTS[b][t] is i^(t+1) of sequence b; steps at or past LENGTHS[b] are pads
INPUTS = {inputs}
LENGTHS = {lengths}
{objective_data}
# ---- what rnnviz computed
EXPECTED = {{
{expected}}}

B, T, I, H, O = {B}, {T}, {I}, {H}, {O}


def tensor(values, *shape):
    """A float64 tensor of the given shape from (nested) lists of numbers."""
    return torch.tensor(values, dtype=torch.float64).reshape(shape)


inputs = tensor(INPUTS, B, T, I)
lengths = torch.tensor(LENGTHS, dtype=torch.int64)
'''

_NN_RNN = '''
# ---- the model: torch.nn.RNN computes h^t = {f_s}(x^t W_ih^T + b_ih + h^(t-1) W_hh^T + b_hh), the same
# recurrence with W_hh = (state rows of W_s)^T, W_ih = (input rows of W_s)^T, b_ih = b_s and b_hh = 0
rnn = torch.nn.RNN(I, H, nonlinearity={f_s!r}, batch_first=True, dtype=torch.float64)
readout = torch.nn.Linear(H, O, dtype=torch.float64)         # s^T W_o + b_o, with weight = W_o^T
W_s = tensor(W_S, H + I, H)
with torch.no_grad():
    rnn.weight_hh_l0.copy_(W_s[:H].T)                        # W_hh = W_s[:H]^T
    rnn.weight_ih_l0.copy_(W_s[H:].T)                        # W_ih = W_s[H:]^T
    rnn.bias_ih_l0.copy_(tensor(B_S, H))                     # b_ih = b_s
    rnn.bias_hh_l0.zero_()                                   # b_hh = 0: the two biases act as one b_s
    readout.weight.copy_(tensor(W_O, H, O).T)                # weight = W_o^T
    readout.bias.copy_(tensor(B_O, O))                       # bias = b_o
h0 = tensor([S0] * B, 1, B, H).requires_grad_()              # s^0 for every sequence, a leaf: h0.grad = dL/ds^0

# ---- forward: packing skips each sequence's pads, so h_n holds the state after its last real step,
# which is s^T (a pad copies the state)
packed = torch.nn.utils.rnn.pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
_, h_n = rnn(packed, h0)
s_T = h_n[0]                                                 # (B, H)
pre = readout(s_T)                                           # s^T W_o + b_o
{o_line}# o = f_o(s^T W_o + b_o)
'''

_NN_RNN_GRADS = '''
grads = {{
    "W_s": torch.cat([rnn.weight_hh_l0.grad.T, rnn.weight_ih_l0.grad.T]),   # back to rnnviz's layout
    "b_s": rnn.bias_ih_l0.grad,
    "b_s (via b_hh)": rnn.bias_hh_l0.grad,                  # b_hh enters exactly like b_ih: the same gradient
    "W_o": readout.weight.grad.T,
    "b_o": readout.bias.grad,
    "s0": h0.grad[0].sum(dim=0),                             # s0 is shared by every sequence: add their gradients
}}
'''

_LOOP = '''
# ---- the model, written out step by step ({why})
W_s = tensor(W_S, H + I, H).requires_grad_()
b_s = tensor(B_S, H).requires_grad_()
W_o = tensor(W_O, H, O).requires_grad_()
b_o = tensor(B_O, O).requires_grad_()
h0 = tensor([S0] * B, B, H).requires_grad_()                 # s^0 for every sequence, a leaf: h0.grad = dL/ds^0


def f_s(z):
    return {f_s_expr}


# ---- forward
real = torch.arange(T)[None, :] < lengths[:, None]           # (B, T): True at real steps, False at pads
s = h0
for t in range(T):                                           # index t is the lesson's step t+1
    z = torch.cat([s, inputs[:, t]], dim=1) @ W_s + b_s      # z^t = [s^(t-1) i^t] W_s + b_s
    s = torch.where(real[:, t, None], f_s(z), s)             # s^t = f_s(z^t), or s^(t-1) at a pad
s_T = s                                                      # (B, H)
pre = s_T @ W_o + b_o                                        # s^T W_o + b_o
{o_line}# o = f_o(s^T W_o + b_o)
'''

_LOOP_GRADS = '''
grads = {
    "W_s": W_s.grad,
    "b_s": b_s.grad,
    "W_o": W_o.grad,
    "b_o": b_o.grad,
    "s0": h0.grad.sum(dim=0),                                # s0 is shared by every sequence: add their gradients
}
'''

_CHECK = '''
# ---- the check
failures = []


def check(name, got, want):
    """Record a failure when max|got - want| / max(max|got|, max|want|) exceeds TOLERANCE."""
    got = got.detach().to(torch.float64)
    want = tensor(want, *got.shape)
    if got.numel() == 0:
        err = 0.0
    else:
        scale = max(got.abs().max().item(), want.abs().max().item(), 2.2250738585072014e-308)
        err = (got - want).abs().max().item() / scale
    print(f"{name:>18}: relative difference {err:.2e}")
    if not err <= TOLERANCE:                                 # also catches NaN
        failures.append(f"{name} (relative difference {err:.2e})")


check("output o", o, EXPECTED["output"])
check("last state s^T", s_T, EXPECTED["s^T"])
'''

_CHECK_GRADS = '''check("loss L", loss, EXPECTED["loss"])
for name, grad in grads.items():
    check("dL/d" + name, grad, EXPECTED[name.split()[0]])
'''

_END = '''if failures:
    raise AssertionError("rnnviz and PyTorch disagree on: " + "; ".join(failures))
print("rnnviz and PyTorch agree")
'''


def _objective_code(objective, d_output, O: int) -> tuple:
    """(data lines, loss code, one-line description) for what is differentiated."""
    if objective is None and d_output is None:
        return "", "", "Nothing is differentiated: the script checks the forward pass only."
    if d_output is not None:
        return (f"\n# ---- what is differentiated: L = sum over b, k of o[b, k] * D_OUTPUT[b][k], so dL/do = D_OUTPUT\n"
                f"D_OUTPUT = {_literal(d_output)}\n",
                "loss = (o * tensor(D_OUTPUT, B, O)).sum()                    # dL/do = D_OUTPUT\n",
                "L = sum of o * D_OUTPUT, so that dL/do = D_OUTPUT (given as a number table).")
    if objective.kind == "output component":
        return (f"\n# ---- what is differentiated: one output component, summed over the batch (the lesson's do_k/dW)\n"
                f"K = {int(objective.k)}\n",
                "loss = o[:, K].sum()                                         # L = sum_b o[b, K]\n",
                f"L = o_{int(objective.k)}, summed over the batch (the lesson's do_k/dW).")
    if objective.kind == "mean squared error":
        target = np.broadcast_to(np.asarray(objective.target, dtype=np.float64), (O,))
        return (f"\n# ---- what is differentiated: mean squared error against one target for every sequence\n"
                f"TARGET = {_literal(target)}\n",
                "loss = ((o - tensor(TARGET, 1, O)) ** 2).mean()             # L = mean of (o - target)^2\n",
                "L = the mean over all B*O entries of (o - target)^2.")
    if objective.kind == "cross-entropy":
        return (f"\n# ---- what is differentiated: cross-entropy of the softmax probabilities o against one label\n"
                f"LABEL = {int(objective.label)}\n",
                "loss = -torch.log(o[:, LABEL]).mean()                        # L = -mean_b log o[b, LABEL]\n",
                f"L = -mean over the batch of log o[b, {int(objective.label)}] (cross-entropy, label "
                f"{int(objective.label)}).")
    raise ValueError(f"unknown objective {objective.kind!r}")


def pytorch_script(p: Params, inputs, lengths=None, objective=None, file_name: str = "rnnviz_pytorch_check.py") -> str:
    """Python source of a standalone script that rebuilds this model in PyTorch and checks rnnviz's numbers.

    inputs (B, T, I); lengths (B,) ints (steps at or past a length are pads; None: no pads).
    objective: what is differentiated — an rnnviz.bptt.Objective (output component, MSE, cross-entropy), or
    a (B, O) array d_output = dL/do (the script uses L = sum(o * d_output)), or None (forward only).

    The script embeds every parameter, input and expected value exactly; builds torch.nn.RNN (f_s tanh or
    relu, sequences packed with pack_padded_sequence) or, for f_s sigmoid/identity (which nn.RNN lacks) and
    for sequences of length 0 (which packing refuses), the same recurrence as an explicit loop of torch ops;
    back-propagates; and raises AssertionError unless the output, s^T, the loss and every gradient agree with
    rnnviz to TOLERANCE (relative). On success it prints "rnnviz and PyTorch agree".
    ValueError if the forward pass or the gradient is not finite (there is nothing exact to compare).
    """
    tr = forward(p, inputs, lengths)
    if tr.first_nonfinite_step() is not None:
        raise ValueError("the forward pass overflowed (inf or NaN): there is nothing exact to compare; "
                         "lower the weight scale")
    B, T, I = tr.inputs.shape
    H, O = p.state_size, p.output_size
    d_output, L = None, None
    if objective is not None:
        if isinstance(objective, Objective):
            L, d_o = objective(tr.output)
        else:
            d_output = np.asarray(objective, dtype=np.float64)
            if d_output.shape != tr.output.shape or not np.isfinite(d_output).all():
                raise ValueError(f"d_output must be finite numbers of the output's shape {tr.output.shape}; "
                                 f"got shape {d_output.shape}")
            d_o = d_output
            L = float(np.sum(tr.output * d_output))
        g = backward(p, tr, d_o)
        if not all(np.isfinite(getattr(g, n)).all() for n in PARAM_NAMES) or not np.isfinite(L):
            raise ValueError("the gradient overflowed (inf or NaN): there is nothing exact to compare")
    data_lines, loss_code, what = _objective_code(objective if d_output is None else None, d_output, O)
    has_grads = objective is not None

    expected = {"output": tr.output, "s^T": tr.states[:, T]}
    if has_grads:
        expected["loss"] = np.float64(L)
        expected.update({n: getattr(g, n) for n in PARAM_NAMES})
    expected_text = "".join(f"    {name!r}: {_literal(value).replace(chr(10), chr(10) + '    ')},\n"
                            for name, value in expected.items())
    lengths_list = tr.lengths.tolist()
    code = _HEADER.format(
        file_name=file_name, f_s=p.f_s, f_o=p.f_o, I=I, H=H, O=O, B=B, T=T, lengths=lengths_list, what=what,
        grad_list=", the loss and the gradient of every parameter" if has_grads else "", tol=TOLERANCE,
        W_s=_literal(p.W_s), b_s=_literal(p.b_s), W_o=_literal(p.W_o), b_o=_literal(p.b_o), s0=_literal(p.s0),
        inputs=_literal(tr.inputs), objective_data=data_lines, expected=expected_text)
    o_line = f"o = {_F_O_TORCH[p.f_o]}".ljust(61)
    use_nn_rnn = p.f_s in ("tanh", "relu") and I >= 1 and (B == 0 or min(lengths_list) >= 1)
    if use_nn_rnn:
        code += _NN_RNN.format(f_s=p.f_s, o_line=o_line)
    else:
        why = (f"torch.nn.RNN has only tanh and relu, not f_s = {p.f_s}" if p.f_s not in ("tanh", "relu")
               else "a sequence of length 0, which pack_padded_sequence refuses")
        code += _LOOP.format(why=why, f_s_expr=_F_S_TORCH[p.f_s], o_line=o_line)
    if has_grads:
        code += "\n# ---- the loss, and back-propagation through time by autograd\n" + loss_code + "loss.backward()\n"
        code += _NN_RNN_GRADS.format() if use_nn_rnn else _LOOP_GRADS
    code += _CHECK
    if has_grads:
        code += _CHECK_GRADS
    return code + _END
