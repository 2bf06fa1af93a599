"""Lesson 4: train an RNN live, and watch it generalise to lengths it never saw (a feed-forward net cannot)."""
import streamlit as st

from rnnviz import baseline, train_figures, training, ui
from rnnviz.ui import model_files, train_controls, train_run, train_view

ui.model_sidebar(draw=False)                    # this page sets its own network; no dead controls
st.title("Train an RNN and watch it generalise")
st.markdown(
    "A feed-forward net reads a fixed number of inputs: trained to add 10 digits, it has nothing to do with an 11th. "
    "An RNN applies **the same** W_s at every step, so whatever it learned about one step it can repeat on any "
    "number of steps. Train one here on sequences of some lengths, then test it on lengths **up to twice as long**, "
    "beside a feed-forward net with about as many weights that was trained on the same minibatches.")

s = train_controls.settings_controls()
lo, hi = s["lengths"]
trainer = train_run.session_trainer(s)
if trainer is None:
    st.stop()
task, test = trainer.task, ui.session.get("train_test")

left, right = st.columns([3, 2])
with left:
    p0 = trainer.params
    st.markdown(
        f"**{task.title}.** {len(trainer.train):,} training sequences of lengths {lo}–{hi}; validation: "
        f"{len(trainer.val)} more{' from the held-out end of the text' if task.name == 'next_char' else ''}. "
        f"The RNN has I = {p0.input_size}, H = {p0.state_size}, O = {p0.output_size}, f_s = {p0.f_s}, "
        f"f_o = {task.f_o} ({'mean squared error' if task.kind == 'regression' else 'cross-entropy'} loss): "
        f"**{baseline.rnn_param_count(p0, s['learn_s0']):,} weights**. The feed-forward net reads exactly "
        f"{trainer.ff.T_ff} steps side by side, {trainer.ff.W_1.shape[1]} hidden units: "
        f"**{trainer.ff.n_params:,} weights**.")
with right:
    st.markdown(train_view.examples(trainer))
st.caption(train_controls.TASK_NOTES[task.name])


def live_view() -> None:
    trainer = ui.session.get("train_trainer")                      # the latest copy, on a fragment rerun too
    running = ui.session.get("train_running", False)               # a tick just after Pause only draws
    if running:
        trainer = train_run.live_step(trainer)                                 # trains in a worker process
    if trainer.stopped:
        st.error(trainer.stopped)
    train_view.show_message("train_run_message")
    if running:
        end = ui.session.get("train_run_end")
        st.progress(min(max(1 - (end - trainer.updates) / s["run_updates"], 0.0), 1.0),
                    text=f"this run: {trainer.updates:,} of {end:,} updates")
    st.markdown(train_view.status_line(trainer, running))
    tested_at, result, u_test = train_run.tested(trainer, test, running)       # while running: at most once a second
    row = st.container(horizontal=True)                                       # two charts side by side
    ui.chart(train_figures.loss_figure(trainer.train_losses, trainer.val_points,
                                       title="Loss: training minibatches and validation set"),
             key="train_loss", where=row)
    series = {"RNN": result["rnn"], f"feed-forward (reads {trainer.ff.T_ff} steps)": result["ff"]}
    ui.chart(train_figures.generalisation_figure(
        result["lengths"], series, (lo, hi), task.metric_name, task.higher_is_better, task.chance,
        title=f"{task.metric_name.capitalize()} against length, 1 to {2 * hi} (at update {tested_at:,})"),
        key="train_general", where=row)
    st.caption(train_view.generalisation_note(trainer, result, test))
    if task.name == "sum":
        ui.chart(train_figures.prediction_figure(
            test.targets, u_test, test.lengths, (lo, hi), unit=9.0,
            title=f"The RNN's sums against the true sums (f_s = {trainer.params.f_s})"),
            key="train_pred")


def write_with_it(trainer: training.Trainer) -> None:
    st.subheader("Write with it")
    c1, c2 = st.columns([2, 3])
    with c1:
        prompt = ui.widget("write_prompt")
    with c2:
        temperature = ui.widget("write_temperature")
    text = train_view.written(trainer, prompt, temperature, seed=int(s["seed"]))
    st.code(prompt.lower() + text, language=None, wrap_lines=True)
    st.caption(f"Each character is drawn from softmax(u / temperature), u = s^T W_o + b_o after the RNN reads the last "
               f"{hi} characters. Characters outside the text's alphabet are dropped from the start.")


def why_relu(trainer: training.Trainer, running: bool) -> None:
    st.subheader("Why relu (or identity) for sums, and not tanh")
    st.markdown(
        "A running total grows with the length. With f_s = relu or identity a state unit can hold it exactly: "
        "s^t = s^{t−1} + d_t/9. **tanh never exceeds 1**, so a tanh RNN must keep a shrunken total in tanh's nearly "
        "straight middle; a sequence twice as long pushes it into the bend, where tanh flattens, and the sums of "
        "long sequences come out too small (their dots fall below the diagonal above when f_s = tanh).")
    compared = train_run.compare_activations(trainer, running)
    if compared is not None:
        series = {f"f_s = {f}": v for f, v in compared["metric"].items()}
        ui.chart(train_figures.generalisation_figure(
            compared["lengths"], series, (lo, hi), task.metric_name, False,
            title=f"Relative error against length after {train_run.COMPARE_UPDATES:,} updates, one RNN per f_s"),
            key="train_compare_chart")
        for f, msg in compared["stopped"].items():
            if msg:
                st.warning(f"f_s = {f}: {msg}")


@ui.rerun_alone
def lab():
    """Everything the weights show. A click here (one update, Start, Pause, a prompt) reruns only this part: the
    settings above and the sidebar stay as they were drawn (Reset and an upload rerun the whole page)."""
    trainer = ui.session.get("train_trainer")                      # the latest copy (a live run trains copies)
    running = train_run.run_buttons(trainer)
    # While training, the live view is a fragment of its own that the timer reruns; paused, it is a plain part of
    # this one, and Streamlit stops the timer of a fragment that a rerun of this part no longer draws.
    (st.fragment(live_view, run_every=train_run.RUN_EVERY) if running else live_view)()
    st.subheader("Use the trained model")
    model_files.model_section(trainer, running)
    if task.name == "next_char" and not running:
        write_with_it(trainer)
    if task.name == "sum":
        why_relu(trainer, running)


lab()
ui.show_source(training.Trainer._update, training.Optimizer.update,
               label="The code of one update (rnnviz.training.Trainer._update, Optimizer.update)")
