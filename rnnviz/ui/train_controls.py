"""The training lab's settings: task, network and optimizer controls (rows "train_*" of the settings table),
and the task they make."""
import streamlit as st

from .. import tasks
from . import session
from .settings import STRATEGIES, task_defaults

TASK_NOTES = {
    "sum": "Try: f_s = tanh (the sums of long sequences fall short: see the bottom of the page); the feed-forward "
           "net at length 20 (it sees only the last 10 digits, so it answers about half the sum).",
    "parity": "Try: training lengths 20–25 only. The loss then stays at log 2 ≈ 0.69, guessing: the answer needs "
              "every step, and the gradient reaching the early steps is a product of ~20 factors f_s′·W_ss that "
              "has faded away (vanishing gradients). With 1–25 it learns, from the short sequences first.",
    "sentiment": "Each positive word counts +1 and each negative word −1, flipped by a “not” right before it. Try "
                 "training on lengths 1–4 only and see how far the RNN carries it.",
    "next_char": "The validation loss stops falling while the training loss keeps going down: with a text of a few "
                 "KB the network starts to memorise it (overfitting). Try fewer state units or fewer updates.",
}


def task_options(s: dict) -> dict:
    return {"sum": {"encoding": s["encoding"]}, "parity": {"modulus": int(s["modulus"])}}.get(s["task"], {})


def current_task(s: dict) -> tasks.Task:
    return tasks.make_task(s["task"], **task_options(s))


def _task_changed() -> None:
    """A new task (or encoding, modulus) brings its recommended lengths, H, f_s and learning rate."""
    s = session.group("train")
    session.update("train", task_defaults(s["task"], **task_options(s)))
    session.put("train_start", None)


def settings_controls() -> dict:
    """Draw the task, network and optimizer settings; returns the settings dict. The optimizer's finer settings
    are built only while their box is open (every widget costs each full rerun); closed, a caption says them."""
    s = session.group("train")
    with st.container(border=True):
        c1, c2, c3 = st.columns(3)
        with c1:
            st.markdown("**Task**")
            session.widget("train_task", on_change=_task_changed)
            if s["task"] == "sum":
                session.widget("train_encoding", horizontal=True, on_change=_task_changed)
            elif s["task"] == "parity":
                session.widget("train_modulus", on_change=_task_changed)
            session.widget("train_lengths")
            session.widget("train_n_train")
        with c2:
            st.markdown("**Network**")
            session.widget("train_H")
            session.widget("train_f_s")
            session.widget("train_learn_s0", help="off: s⁰ = 0 as in the lesson text; on: s⁰ is a parameter that "
                                                  "training moves (it starts at 0)")
            session.widget("train_seed")
        with c3:
            st.markdown("**Optimizer**")
            session.widget("train_optimizer", horizontal=True)
            session.widget("train_lr")
            more = st.expander("minibatches, clipping, rate decay, momentum (SGD)", key="train_more_open", on_change="rerun")
            if more.open:                         # a fixed label: the box stays open when a value changes
                with more:
                    session.widget("train_lr_halflife")
                    if s["optimizer"] == "sgd":
                        session.widget("train_momentum")
                    session.widget("train_batch_size")
                    session.widget("train_clip")
                    session.widget("train_strategy", horizontal=True)
            else:
                st.caption(_finer_values(s))
    return s


def _finer_values(s: dict) -> str:
    """What the closed box's settings are now (words and numbers made here, from the table)."""
    parts = [f"minibatches of {s['batch_size']}: {STRATEGIES[s['strategy']]}",
             f"gradient norm clipped at {s['clip']:g}" if s["clip"] else "no clipping",
             f"learning rate halves every {s['lr_halflife']:,} updates" if s["lr_halflife"] else "constant learning rate"]
    if s["optimizer"] == "sgd":
        parts.append(f"momentum {s['momentum']:g}")
    return "; ".join(parts)
