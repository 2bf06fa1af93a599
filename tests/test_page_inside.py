"""AppTest of the "Inside a trained RNN" page: it runs for every task, its charts plot the library's numbers,
it reads the Train page's network when there is one, and typed input it cannot read gives a message."""
import numpy as np
import pytest

import rnnviz as rv
from apptest_util import open_page
from figdata import chart_spec, decode, stepper
from rnnviz import inside, tasks, training

PAGE = "inside"


@pytest.fixture(scope="module")
def sum_net():
    """What the page trains for itself on the sum task (the same call, so the same numbers)."""
    return inside.quick_train(tasks.make_task("sum"))


def test_the_sum_page_plots_the_library_numbers(sum_net):
    at = open_page(PAGE)
    assert not at.exception and not at.error
    task = tasks.make_task("sum")
    p, p0, (lo, hi) = sum_net
    track = inside.tracking(p, task, inside.test_sequences(task, (lo, hi), 200))
    longer = inside.tracking(p, task, inside.test_sequences(task, (hi + 1, 20), 200))
    unit = track.best
    scatter = chart_spec(at, "inside_scatter")
    assert f"unit {unit} " in scatter["layout"]["title"]["text"] and f"r = {track.r[unit]:.3f}" in \
        scatter["layout"]["title"]["text"]
    real = np.isfinite(track.hidden)
    np.testing.assert_array_equal(decode(scatter["data"][1]["x"]), track.hidden[real])
    np.testing.assert_array_equal(decode(scatter["data"][1]["y"]), track.acts[:, :, unit][real])
    np.testing.assert_array_equal(decode(scatter["data"][0]["y"]), longer.acts[:, :, unit][np.isfinite(longer.hidden)])
    bars = chart_spec(at, "inside_bars")
    np.testing.assert_array_equal(decode(bars["data"][0]["y"]), track.r[track.order])
    heat = chart_spec(at, "inside_units")
    order = inside.sequence_order(track.head(40), unit, "hidden")
    np.testing.assert_array_equal(decode(heat["data"][0]["z"]), track.acts[order, :, unit])
    fixed = inside.test_sequences(task, (hi, hi), 32, seed=1)
    infl = chart_spec(at, "inside_influence")
    np.testing.assert_array_equal(decode(infl["data"][0]["y"]), inside.mean_influence(p, fixed))
    np.testing.assert_array_equal(decode(infl["data"][1]["y"]), inside.mean_influence(p0, fixed))
    x, _ = inside.encode_typed(task, at.text_input(key="inside_digits").value)
    np.testing.assert_array_equal(stepper(at, "inside_stepper")["states"], rv.forward(p, x).states[0])
    assert any(f"r = {track.r[unit]:.3f}" in c.value for c in at.caption)


@pytest.mark.parametrize("name", ["parity", "sentiment", "next_char"])
def test_every_task_runs_and_plots_its_own_unit(name):
    at = open_page(PAGE)
    at.selectbox(key="inside_task").set_value(name).run()
    assert not at.exception and not at.error
    task = tasks.make_task(name)
    p, _, (lo, hi) = inside.quick_train(task)
    track = inside.tracking(p, task, inside.test_sequences(task, (lo, hi), 200))
    np.testing.assert_array_equal(decode(chart_spec(at, "inside_bars")["data"][0]["y"]), track.r[track.order])
    if name == "next_char":
        text = at.text_input(key="inside_chars").value
        x, _ = inside.encode_typed(task, text)
        probs = inside.prefix_outputs(p, rv.forward(p, x).states[0])
        _, q = inside.top_k(task, probs, 5)
        np.testing.assert_array_equal(decode(chart_spec(at, "inside_topk")["data"][0]["z"]), q.T)
        codes = [c.value for c in at.code if c.value.startswith(text)]
        assert codes[:3] == [text + s for s in inside.continuations(p, task, text, n=3, n_chars=80)]


def test_it_reads_the_train_pages_network():
    task = tasks.make_task("parity")
    trainer = training.make_trainer(task, config=training.TrainConfig(seed=3), with_baseline=False)
    trainer.step(30)
    at = open_page(PAGE)
    at.session_state["train_trainer"] = trainer
    at.run()
    assert not at.exception
    assert any("The network the Train page trained" in c.value and "30 updates" in c.value for c in at.caption)
    assert not any(getattr(w, "key", None) == "inside_task" for w in at.selectbox)
    track = inside.tracking(trainer.params, task, inside.test_sequences(task, (1, 8), 200))
    np.testing.assert_array_equal(decode(chart_spec(at, "inside_bars")["data"][0]["y"]), track.r[track.order])
    p0 = training.initial_params(task, trainer.params.state_size, trainer.params.f_s, seed=3)
    track0 = inside.tracking(p0, task, inside.test_sequences(task, (1, 8), 200))
    np.testing.assert_array_equal(decode(chart_spec(at, "inside_bars0")["data"][0]["y"]), track0.r[track0.order])


def test_a_current_model_that_fits_no_task_says_so_and_falls_back():
    at = open_page(PAGE)
    at.radio(key="inside_source").set_value("current").run()
    assert not at.exception
    assert any("fits none of the tasks" in w.value for w in at.warning)
    assert chart_spec(at, "inside_bars")


@pytest.mark.parametrize("text, words", [("", "at least one digit"), ("9" * 61, "at most 60"),
                                         ("3 1 x", "cannot read"), ("[a](http://x.y)", "cannot read")])
def test_typed_junk_gives_a_message(text, words):
    at = open_page(PAGE)
    at.text_input(key="inside_digits").set_value(text).run()
    assert not at.exception
    assert len(at.error) == 1 and words in at.error[0].value
    assert "](" not in at.error[0].value.replace("` ", "").split("`")[0]   # the user's text is quoted


def test_typed_words_outside_the_vocabulary_are_named():
    at = open_page(PAGE)
    at.selectbox(key="inside_task").set_value("sentiment").run()
    at.text_input(key="inside_words").set_value("the film was superb").run()
    assert not at.exception and "superb" in at.error[0].value
