"""The unrolled network as Graphviz DOT text (pure; st.graphviz_chart draws it in the browser).

One s^t node per step and one i^t node above it; every step's arrows are labelled with the same W_s, which
is the point: the unrolled RNN is a feed-forward net whose layers share one weight matrix. A pad step has
no input arrow, and its state arrow is a dashed copy.
"""
import numpy as np

STATE_COLOUR = "#1f77b4"     # the recurrent rows of W_s, as in the step arithmetic
INPUT_COLOUR = "#ff7f0e"     # the input rows of W_s
CURRENT_FILL = "#ffe08a"


def _steps_shown(T: int, max_shown: int) -> list:
    """The steps 1..T to draw; None marks an ellipsis when T is too long to draw them all."""
    if T <= max_shown:
        return list(range(1, T + 1))
    head = max_shown // 2
    return list(range(1, head + 1)) + [None] + list(range(T - (max_shown - head) + 1, T + 1))


def unrolled_dot(pads, current: int | None = None, max_shown: int = 12, labels=None) -> str:
    """DOT text of the unrolled RNN: pads (T,) bool True at pad steps; current step outlined and filled.

    labels: optional (T,) names of the inputs (characters, digits) shown under i^t.
    """
    pads = np.asarray(pads, bool)
    T = len(pads)
    lines = ['digraph unrolled {', 'rankdir=LR; nodesep=0.25; ranksep=0.45;',
             'node [shape=circle, fontname="Helvetica", fontsize=12, width=0.55, fixedsize=true];',
             'edge [fontname="Helvetica", fontsize=10];']

    def state(t):
        fill = f', style=filled, fillcolor="{CURRENT_FILL}", penwidth=2.5' if t == current else ""
        lines.append(f's{t} [label=<s<sup>{t}</sup>>{fill}];')

    state(0)
    prev = "s0"
    for t in _steps_shown(T, max_shown):
        if t is None:
            lines.append('gap [label="…", shape=plaintext];')
            lines.append(f'{prev} -> gap [style=dotted, arrowhead=none];')
            prev = "gap"
            continue
        state(t)
        name = labels[t - 1] if labels is not None and labels[t - 1] not in ("", "pad") else ""
        tag = f"<br/><font point-size='9'>{_escape(name)}</font>" if name else ""
        if pads[t - 1]:
            lines.append(f'i{t} [label=<pad>, shape=box, style=dashed, color=gray, fontcolor=gray];')
            lines.append(f'i{t} -> s{t} [style=invis];')
            lines.append(f'{prev} -> s{t} [style=dashed, color=gray, label="copy", fontcolor=gray];')
        else:
            lines.append(f'i{t} [label=<i<sup>{t}</sup>{tag}>, shape=box];')
            lines.append(f'i{t} -> s{t} [color="{INPUT_COLOUR}", label="W_s", fontcolor="{INPUT_COLOUR}"];')
            lines.append(f'{prev} -> s{t} [color="{STATE_COLOUR}", label="W_s", fontcolor="{STATE_COLOUR}"];')
        lines.append(f'{{rank=same; i{t}; s{t};}}')
        prev = f"s{t}"
    lines.append('o [label="o", shape=doublecircle, width=0.45];')
    lines.append(f'{prev} -> o [label="W_o"];')
    lines.append('}')
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Text safe inside a Graphviz HTML label (a character that does not print is shown as its escape, e.g.
    \\x00: Graphviz refuses control characters)."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace(" ", "␣"))
