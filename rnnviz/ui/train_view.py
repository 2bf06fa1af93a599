"""What the training lab says in words: example sequences, the status line, the generalisation chart's note,
messages."""
import numpy as np
import streamlit as st

from .. import tasks, training
from . import session
from .settings import quote
from .train_run import updates_per_second


def answer(task, y) -> str:
    """A target as a student reads it: a sum of digits, a class name or a character."""
    if task.name == "sum":
        return f"{float(y[0]) * 9:.0f}"                                   # targets are sum / 9
    if task.name == "sentiment":
        return ("negative", "positive")[int(y)]
    if task.name == "next_char":
        return repr(task.vocabulary.tokens[int(y)])
    return str(int(y))


def examples(trainer: training.Trainer, n: int = 4) -> str:
    """The first n training sequences as a Markdown list: each sequence and answer an inline code span (quote:
    task data, e.g. a text's characters, never become Markdown), and its length. Text, not a table: a first
    view then loads no data grid (st.dataframe and st.table pull ~1 MB of front-end code)."""
    data, task = trainer.train, trainer.task
    lines = [f"- {quote(repr(text) if task.name == 'next_char' else text, limit=200)} → "    # quotes show spaces
             f"{quote(answer(task, y))} · length {length}"
             for text, length, y in zip(data.texts[:n], data.lengths[:n], data.targets[:n])]
    return "**The first training sequences** → their answers:\n\n" + "\n".join(lines)


def written(trainer: training.Trainer, prompt: str, temperature: float, seed: int) -> str:
    """300 characters the next-character RNN writes after the prompt (tasks.sample_text: ~40 ms), worked out
    again only when its weights (the run and its update count name them exactly) or the settings change."""
    return _sampled(trainer, trainer.run_id, trainer.updates, prompt, temperature, seed)


@st.cache_data(max_entries=256, show_spinner=False)
def _sampled(_trainer: training.Trainer, run_id: str, updates: int, prompt: str, temperature: float,
             seed: int) -> str:
    return tasks.sample_text(_trainer.params, _trainer.task, prompt, n_chars=300, temperature=temperature, seed=seed)


def status_line(trainer: training.Trainer, running: bool) -> str:
    """Update, epoch, losses and speed, in one line of markdown."""
    recent = trainer.train_losses[-50:]
    last_val = trainer.val_points[-1]
    line = (f"Update **{trainer.updates:,}** (epoch {trainer.epoch}) · training loss "
            + (f"**{np.mean(recent):.3g}** (mean of the last {len(recent)})" if recent else "–")
            + f" · validation loss **{last_val[1]:.3g}** (at update {last_val[0]:,})")
    rate = updates_per_second()
    if rate is not None:
        line += f" · **{rate:,.0f} updates/s**{'' if running else ' in the last run'}, drawing included"
    if trainer.compute_seconds > 0:
        line += f" ({trainer.updates / trainer.compute_seconds:,.0f}/s training alone)"
    return line


def percent(v: float) -> str:
    """A share as a percentage with three significant digits (0.0042 -> '0.42%', 0.997 -> '99.7%')."""
    return f"{100 * v:.3g}%" if np.isfinite(v) else "overflow"


def generalisation_note(trainer: training.Trainer, result: dict, test) -> str:
    """What the generalisation chart says, in words: the RNN inside and at twice the trained length, and the baseline."""
    task, hi = trainer.task, int(trainer.train.lengths.max())
    inside = result["lengths"] <= hi
    n = test.lengths.size // result["lengths"].size
    where = " (windows from the held-out end of the text)" if task.name == "next_char" else ""
    note = (f"{task.metric_name.capitalize()} on {n} test sequences per length{where}: RNN "
            f"{percent(np.mean(result['rnn'][inside]))} over the trained lengths and {percent(result['rnn'][-1])} at "
            f"length {2 * hi}; feed-forward {percent(result['ff'][-1])} at length {2 * hi}. The feed-forward net sees "
            f"only the last {trainer.ff.T_ff} steps of a longer sequence, and zero vectors in front of a shorter one.")
    if task.kind == "regression":
        note += " Relative error = mean |answer − true sum| / mean true sum."
    if trainer.ff_stopped:
        note += f" Note: {trainer.ff_stopped}; its curve shows its last finite weights."
    return note


def show_message(key: str = "train_message") -> None:
    """The last success or error of a model action (or of a run: "train_run_message"), shown once."""
    msg = session.pop(key)
    if msg is not None:
        {"success": st.success, "error": st.error, "info": st.info}[msg[0]](msg[1])
