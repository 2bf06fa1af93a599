"""Lesson 6: inside a trained RNN. Which state unit holds the task's hidden variable (found by correlation),
whether it still does on longer sequences, how far back the output looks, and the model on your own input."""
import numpy as np
import pandas as pd
import streamlit as st

import rnnviz as rv
from rnnviz import inside, inside_figures, tasks, train_figures, training, ui
from rnnviz.ui.model import current_params
from rnnviz.ui.settings import MAX_TRAIN_LENGTH, quote

N_TEST, N_SHOWN, N_INFLUENCE = 200, 40, 32      # sequences: for r, in the heatmaps, for the influence means
TYPED = {"sum": "inside_digits", "parity": "inside_bits", "sentiment": "inside_words", "next_char": "inside_chars"}


@st.cache_data(max_entries=8, show_spinner="training a network for this page (about a second)…")
def quick_network(name: str, options: tuple):
    """(trained, initial Params, trained lengths) of the task's recommended network, trained briefly."""
    return inside.quick_train(tasks.make_task(name, **dict(options)))


@st.cache_data(max_entries=16, show_spinner=False)
def analyse(p, p0, name: str, options: tuple, lengths: tuple, beyond: int) -> dict:
    """Tracking of the trained and the untrained network inside and beyond the trained lengths, and influence."""
    task = tasks.make_task(name, **dict(options))
    lo, hi = lengths
    inside_set = inside.test_sequences(task, (lo, hi), N_TEST)
    beyond_set = inside.test_sequences(task, (hi + 1, beyond), N_TEST)
    fixed = inside.test_sequences(task, (hi, hi), N_INFLUENCE, seed=1)
    return {"trained": (inside.tracking(p, task, inside_set), inside.tracking(p, task, beyond_set)),
            "untrained": (inside.tracking(p0, task, inside_set), inside.tracking(p0, task, beyond_set)),
            "influence": (inside.mean_influence(p, fixed), inside.mean_influence(p0, fixed))}


def options_of(task) -> tuple:
    return tuple({"sum": {"encoding": getattr(task, "encoding", None)},
                  "parity": {"modulus": getattr(task, "modulus", None)}}.get(task.name, {}).items())


def network():
    """(task, trained Params, untrained Params, trained lengths, a sentence saying which network this is)."""
    if ui.widget("inside_source", horizontal=True) == "current":
        p = current_params()
        match = tasks.task_options_for(p.input_size, p.output_size, p.f_o)
        if match is not None:
            task = tasks.make_task(match[0], **match[1])
            p0 = training.initial_params(task, p.state_size, p.f_s, seed=0)
            return task, p, p0, tuple(task.lengths), (
                f"The current model (H = {p.state_size}, f_s = {p.f_s}) read as the {task.title} task; trained "
                f"lengths taken as the task's {task.lengths[0]}–{task.lengths[1]}. Untrained: fresh weights of the "
                "same sizes (seed 0).")
        st.warning(f"The current model (I = {p.input_size}, O = {p.output_size}, f_o = {p.f_o}) fits none of the "
                   "tasks, so this page shows the Train page's network instead. Open a model file saved by the "
                   "Train page to look inside it.")
    trainer = ui.session.get("train_trainer")
    if trainer is not None and trainer.updates > 0 and trainer.stopped is None:
        task, p = trainer.task, trainer.params
        lengths = (int(trainer.train.lengths.min()), int(trainer.train.lengths.max()))
        p0 = training.initial_params(task, p.state_size, p.f_s, seed=trainer.config.seed)
        return task, p, p0, lengths, (
            f"The network the Train page trained: {task.title}, {trainer.updates:,} updates, H = {p.state_size}, "
            f"f_s = {p.f_s}, lengths {lengths[0]}–{lengths[1]}. Untrained: its initial weights (seed "
            f"{trainer.config.seed}).")
    name = ui.widget("inside_task")
    task = tasks.make_task(name)
    p, p0, lengths = quick_network(name, ())
    return task, p, p0, lengths, (
        f"The Train page has no trained network in this session, so this page trained one: {task.title}, "
        f"{inside.QUICK_UPDATES[name]:,} updates, H = {p.state_size}, f_s = {p.f_s}, lengths {lengths[0]}–"
        f"{lengths[1]}. Untrained: its initial weights (seed 0). Train longer on the Train page for a better one.")


st.title("Inside a trained RNN")
ui.intro("After training, the loss is low, but what does the state **hold**? Every task here has a quantity that "
         "a solution must carry from step to step: the running sum, the parity so far, the sentiment so far. We "
         "know it exactly at every step, so we can look for a state unit whose activation follows it (Pearson "
         "correlation r over all real steps of many test sequences, pads left out).")
task, p, p0, (lo, hi), which = network()
st.caption(which)
H = p.state_size
hidden, short = inside.hidden_name(task), inside.short_name(task)
st.markdown(f"**Hidden variable of the {task.title} task:** the {hidden}.")

c1, c2, c3 = st.columns(3)
with c1:
    rank = ui.widget("inside_rank", lo=1, hi=H)
with c2:
    sort = ui.widget("inside_sort")
with c3:
    beyond = ui.widget("inside_beyond", lo=hi + 1, hi=2 * MAX_TRAIN_LENGTH)
result = analyse(p, p0, task.name, options_of(task), (lo, hi), int(beyond))
(track, track_long), (track0, track0_long) = result["trained"], result["untrained"]

# ---- the units over many sequences ----------------------------------------------------------------------------
st.subheader("Which unit holds it: before and after training")
unit, unit0 = int(track.order[rank - 1]), int(track0.order[rank - 1])
r_in = float(track.r[unit])
r_long = float(inside.correlations(track_long.acts[:, :, [unit]], track_long.hidden)[0])
r0_in = float(track0.r[unit0])
cols = st.columns(2)
for col, name, tk, tk_long, k, key in ((cols[0], "untrained", track0, track0_long, unit0, "inside_scatter0"),
                                       (cols[1], "trained", track, track_long, unit, "inside_scatter")):
    ui.chart(inside_figures.unit_scatter(
        tk.hidden, tk.acts[:, :, k], title=f"{name.capitalize()}: unit {k} (rank {rank}) against the {short}, "
                                           f"r = {tk.r[k]:.3f}",
        hidden_label=hidden, unit_label=f"unit {k} activation sᵗ", beyond_hidden=tk_long.hidden,
        beyond_acts=tk_long.acts[:, :, k]), key=key, where=col)
    ui.chart(inside_figures.r_bars(tk.r, tk.order, title=f"{name.capitalize()}: each unit's r with the {short}"),
             key=key.replace("scatter", "bars"), where=col)
better = "closely" if abs(r_in) > 0.95 else "partly" if abs(r_in) > 0.6 else "only loosely"
st.caption(f"One dot per real step of {N_TEST} test sequences (blue: lengths {lo}–{hi}, as trained; red crosses: "
           f"lengths {hi + 1}–{beyond}). Trained: unit {unit} follows the {hidden} {better}, r = {r_in:.3f} over "
           f"the trained lengths and {r_long:.3f} on the longer sequences. Untrained: its rank-{rank} unit {unit0} "
           f"has r = {r0_in:.3f}. A negative r is as good as a positive one: the output weight can flip the sign."
           + (" The parity so far flips with every 1; a single unit can follow it only if it flips too, so look for "
              "dots in two separate clouds rather than on a line." if task.name == "parity" else ""))

st.subheader(f"Unit {unit} over {N_SHOWN} test sequences, beside the {hidden}")
order = inside.sequence_order(track.head(N_SHOWN), unit, sort)
texts = [track.texts[b] for b in order]
h1, h2 = st.columns(2)
ui.chart(inside_figures.sequences_heatmap(track.acts[order, :, unit], texts, title=f"Trained unit {unit}: sᵗ at every "
                                          "step (one row per sequence)", value_name=f"unit {unit}"),
         key="inside_units", where=h1)
ui.chart(inside_figures.sequences_heatmap(track.hidden[order], texts, title=f"The {short} at every step",
                                          value_name="hidden", signed=task.name == "sentiment"),
         key="inside_hidden", where=h2)
st.caption("Rows are the same sequences in the same order in both pictures, sorted as chosen above; blank cells "
           "are pads (after each sequence's end). Where the unit tracks the hidden variable the two pictures show "
           "the same pattern (up to the sign and the colours). Hover a cell to read the sequence.")

# ---- beyond the trained length ----------------------------------------------------------------------------------
st.subheader("Beyond the trained length")
Ls, r_by = inside.r_by_length(track, unit)
Ls_long, r_by_long = inside.r_by_length(track_long, unit)
Ls0, r0_by = inside.r_by_length(track0, unit0)
Ls0_long, r0_by_long = inside.r_by_length(track0_long, unit0)
lengths = np.concatenate([Ls, Ls_long])
ui.chart(train_figures.generalisation_figure(
    lengths, {f"trained, unit {unit}": np.abs(np.concatenate([r_by, r_by_long])),
              f"untrained, unit {unit0}": np.abs(np.concatenate([r0_by, r0_by_long]))}, (lo, hi), "|r|", True,
    title=f"|r| of the unit with the {short}, over the test sequences of each length"), key="inside_by_length")
worst = np.nanmin(np.abs(r_by_long)) if np.isfinite(r_by_long).any() else float("nan")
st.caption(f"Each point: the correlation over all steps of the test sequences of one length (about "
           f"{N_TEST // max(1, hi - lo + 1)} per trained length). Past the shaded trained lengths the trained unit's "
           f"|r| is at least {worst:.3f} (lengths {hi + 1}–{beyond}). "
           + ("It keeps following the hidden variable on sequences it never saw: that is why this network's answers "
              "carry over to them." if worst > 0.95 else
              "The tracking weakens on sequences longer than any it saw: compare with the Train page's accuracy "
              "against length."))

# ---- how far back it looks --------------------------------------------------------------------------------------
st.subheader("How far back the output looks")
infl, infl0 = result["influence"]
ui.chart(inside_figures.influence_figure(infl, infl0, title=f"Mean ‖do/diᵗ‖ over {N_INFLUENCE} sequences of length "
                                                            f"{hi}: how much each input step moves the output"),
         key="inside_influence")
st.caption(f"‖do/diᵗ‖ is exact, from back-propagation (rnnviz.influence). Trained: the first step's input moves "
           f"the output {infl[0]:.3g}, the last one's {infl[-1]:.3g}; untrained: {infl0[0]:.3g} and {infl0[-1]:.3g}. "
           + ("The sum needs every digit equally, and the trained line is nearly flat."
              if task.name == "sum" and infl.min() > 0.5 * infl.max() else
              "A line that falls steeply to the left means the early inputs have faded from the state."))

# ---- your own input ---------------------------------------------------------------------------------------------
st.subheader("Your own input")
text = ui.widget(TYPED[task.name])
try:
    x, labels = inside.encode_typed(task, text)
except ValueError as err:
    st.error("This input cannot be read: " + quote(str(err), limit=400))
    st.stop()
tr = rv.forward(p, x)
o = inside.prefix_outputs(p, tr.states[0])
h_typed = inside.hidden_variable(task, x, [x.shape[1]])[0]


@ui.rerun_alone
def typed_view():                                             # a pause of the stepper reruns only this
    ui.stepper("inside_t", p, tr, labels=labels)


typed_view()
table = {"step t": np.arange(1, len(labels) + 1), "input": labels, hidden: h_typed,
         f"unit {unit}": tr.states[0, 1:, unit]}
if task.name == "sum":
    table["the RNN's sum so far (o × 9)"] = o[:, 0] * 9.0
elif task.name == "next_char":
    first, q1 = inside.top_k(task, o, 1)
    table["likeliest next"] = [repr(c) for c in first[:, 0]]
    table["its probability"] = q1[:, 0]
else:
    names = ("negative", "positive") if task.name == "sentiment" else [str(c) for c in range(task.output_size)]
    for c, label in enumerate(names):
        table[f"P({label})"] = o[:, c]
    table["answer"] = [names[c] for c in o.argmax(axis=1)]
st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
st.caption(f"Each row: the state after reading the input up to step t, and the output the RNN gives if the "
           f"sequence ended there (o = f_o(sᵗ W_o + b_o)). Unit {unit} is the trained unit of rank {rank} above.")
if task.name == "next_char":
    st.subheader("What it expects next, and what it writes")
    c1, c2 = st.columns(2)
    with c1:
        k = ui.widget("inside_k")
    with c2:
        temperature = ui.widget("inside_temperature")
    chars, probs = inside.top_k(task, o, k)
    ui.chart(inside_figures.top_k_figure(chars, probs, labels, title=f"The {k} likeliest next characters after each "
                                                                     "character you typed"), key="inside_topk")
    st.caption("Column t: after reading your text up to character t (the label below), the likeliest next "
               "characters, most likely at the top; ␣ is a space. Darker blue is more probable.")
    st.markdown("**Sampled continuations** (each drawn one character at a time from softmax(u / temperature)):")
    for sample in inside.continuations(p, task, text, n=3, n_chars=80, temperature=temperature):
        st.code(text.lower() + sample, language=None, wrap_lines=True)

ui.show_source(inside.hidden_variable, inside.correlations, inside.mean_influence,
               label="The code behind this page (rnnviz.inside)")
