"""Models in and out: any page opens a model file (the sidebar's 'Open a model file'); the training lab opens
its trained model in the other lessons, downloads it, and continues from a file."""
import streamlit as st

from .. import model_io, tasks, training
from . import session
from .model import adopt_params, fits_sidebar
from .settings import LIMITS, TASK_TITLES, quote, task_defaults
from .train_view import show_message


def _adopt() -> None:
    trainer = session.get("train_trainer")
    try:
        adopt_params(trainer.params)
    except ValueError as err:
        session.put("train_message", ("error", f"Not opened: {err}."))
        return
    session.put("train_message", ("success", f"The trained model (update {trainer.updates}) is now the model "
                                             "of every lesson: open one from the sidebar."))


def _upload() -> None:
    """on_change of the file uploader: validate, then start from the file's weights (or keep everything)."""
    f = session.get("train_upload")
    if f is None:
        return
    try:
        p = model_io.load(f.getvalue(), f.name)
        match = tasks.task_options_for(p.input_size, p.output_size, p.f_o)
        if match is None:
            raise ValueError(f"its sizes (I = {p.input_size}, O = {p.output_size}, f_o = {p.f_o}) fit none of the "
                             "tasks here")
        if p.state_size > LIMITS["H"]:
            raise ValueError(f"it has H = {p.state_size} state units; this page trains at most {LIMITS['H']}")
    except ValueError as err:
        session.put("train_message", ("error", f"{quote(f.name)} was not loaded, and nothing changed: {err}."))
        return
    name, options = match
    session.update("train", dict(task=name, **options))
    session.update("train", {k: v for k, v in task_defaults(name, **options).items() if k not in ("H", "f_s")})
    session.update("train", dict(H=p.state_size, f_s=p.f_s, learn_s0=bool((p.s0 != 0).any())))
    session.put("train_start", p)
    session.pop("train_built")
    session.put("train_message", ("success", f"Loaded {quote(f.name)}: the {TASK_TITLES[name]} task, "
                                             f"H = {p.state_size}, f_s = {p.f_s}. Training continues from these weights."))
    st.rerun()                        # the whole page: its settings and Trainer are the file's now


def model_section(trainer: training.Trainer, running: bool) -> None:
    """Open in the other lessons; download as .npz / .json; upload a model to continue from."""
    too_big = fits_sidebar(trainer.params)
    stem, p = f"rnnviz_{trainer.task.name}_{trainer.updates}", trainer.params
    with st.container(horizontal=True, vertical_alignment="center"):      # one row: one block, not five
        st.button("Open in the other lessons", key="train_adopt", on_click=_adopt, icon=":material/open_in_new:",
                  type="primary", disabled=running or too_big is not None,
                  help=too_big or "the step-through, padding and BPTT lessons then show this trained model (the "
                                  "sidebar's model is replaced by it)")
        for kind, make, mime in (("npz", model_io.to_npz, "application/octet-stream"),
                                 ("json", model_io.to_json, "application/json")):
            st.download_button(f"Download .{kind}", lambda make=make: make(p), f"{stem}.{kind}", mime,  # made on click
                               key=f"train_download_{kind}", on_click="ignore", disabled=running,
                               icon=":material/download:")
        st.file_uploader("Continue from a saved model (.npz or .json)", type=["npz", "json"], key="train_upload",
                         on_change=_upload, disabled=running)
    if running:
        st.caption("Pause to open, save or load a model.")
    elif too_big:
        st.caption(f"Cannot open it in the other lessons: {too_big}. Download and upload work.")
    show_message()


def _open_file() -> None:
    """on_change of the sidebar's uploader: a valid model file of any shape the sidebar allows becomes the
    model of every lesson; anything else is a message, and the model stays as it was."""
    f = session.get("open_upload")
    if f is None:
        return
    try:
        adopt_params(model_io.load(f.getvalue(), f.name))
    except ValueError as err:
        session.notice("error", f"{quote(f.name)} was not opened, and nothing changed: {err}.")
        return
    session.notice("success", f"Opened {quote(f.name)}: it is now the model of every lesson.")


def open_file_panel() -> None:
    """The sidebar's 'Open a model file' box (.npz or .json, as Export and the training lab save them)."""
    if session.hidden("open"):
        return
    box = st.sidebar.expander("Open a model file", icon=":material/upload_file:", key="open_file_open",
                              on_change="rerun")
    if not box.open:                      # built when opened: every run of every page would build the uploader
        return
    with box:
        st.file_uploader("a model saved by rnnviz (.npz or .json)", type=["npz", "json"], key="open_upload",
                         on_change=_open_file, help=f"any sizes up to I = {LIMITS['I']}, H = {LIMITS['H']}, "
                                                    f"O = {LIMITS['O']}; its weights replace the current model's")
