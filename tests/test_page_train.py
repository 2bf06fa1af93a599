"""AppTest of the "Train and generalise" page, driven through its controls by key."""
import numpy as np
import pytest

import rnnviz as rv
from apptest_util import open_page
from figdata import chart_spec, decode
from rnnviz import model_io
from serving import training_pool
from rnnviz.ui.pages import PAGES

PAGE = "train"


@pytest.fixture
def at():
    return open_page(PAGE)


def plotted_loss(at):
    """(updates, training losses, validation updates) as the loss chart draws them."""
    fig = chart_spec(at, "train_loss")
    return decode(fig["data"][0]["x"]), decode(fig["data"][0]["y"]), decode(fig["data"][1]["x"])


def run_until_paused(at, max_runs=20):
    for _ in range(max_runs):
        if not at.session_state["train_running"]:
            return at
        at.run()                                                          # what the fragment's timer does
    raise AssertionError("training did not pause")


def test_one_update_then_a_short_run_draws_the_losses(at):
    trainer = at.session_state["train_trainer"]
    for _ in range(3):
        at.button(key="train_one").click().run()
    x, y, _ = plotted_loss(at)
    assert trainer.updates == 3 and list(x) == [1, 2, 3]
    np.testing.assert_array_equal(y, trainer.train_losses)
    at.select_slider(key="train_run_updates").set_value(100).run()
    at.button(key="train_start_pause").click().run()
    assert not at.exception
    run_until_paused(at)
    first, trainer = trainer, at.session_state["train_trainer"]           # the copy trained in a worker process
    assert trainer.run_id == first.run_id and trainer.updates == 103 and first.updates == 3
    assert trainer.train_losses[:3] == first.train_losses
    x, y, vx = plotted_loss(at)
    np.testing.assert_array_equal(x, np.arange(1, 104))
    np.testing.assert_array_equal(y, trainer.train_losses)                # the plotted curve is the trainer's
    assert y[-10:].mean() < y[:3].mean() / 5                               # it learned (measured ~x50)
    assert list(vx) == [0, 25, 50, 75, 100]                                # validation every 25 updates
    general = chart_spec(at, "train_general")
    assert list(decode(general["data"][0]["x"])) == list(range(1, 21))    # lengths 1 .. 2 x 10
    assert {d["name"].split(" ")[0] for d in general["data"]} == {"RNN", "feed-forward"}
    assert any("Update **103**" in m.value for m in at.markdown)


def test_failing_workers_pause_with_a_message_and_keep_the_weights(at, monkeypatch):
    class WorkersDied(training_pool.Chunk):
        def collect(self):
            raise training_pool.TrainingPoolError("Training stopped: the worker process quit unexpectedly.")

    at.button(key="train_one").click().run()
    trainer = at.session_state["train_trainer"]
    monkeypatch.setattr(training_pool, "Chunk", WorkersDied)
    at.button(key="train_start_pause").click().run()
    assert at.session_state["train_running"] and at.button(key="train_start_pause").label == "Pause"
    at.run()                                                              # the live view's timer: trains
    assert not at.exception
    assert not at.session_state["train_running"]
    assert at.session_state["train_trainer"] is trainer and trainer.updates == 1
    assert any("quit unexpectedly" in e.value and "those of update 1" in e.value for e in at.error)
    at.run()
    assert not at.error                                                   # shown once


def test_pause_cancels_a_chunk_that_no_worker_has_started(at):
    """In a busy class the training chunks queue for the shared workers; Pause takes its own out of the queue."""
    from test_training_pool import busy_workers
    fillers = busy_workers()
    at.button(key="train_start_pause").click().run()
    waiting = at.session_state["train_chunk"]
    at.button(key="train_start_pause").click().run()                      # Pause, before any worker is free
    assert not at.session_state["train_running"] and at.session_state.get("train_chunk") is None
    assert waiting._future.cancelled()
    for chunk in fillers:
        chunk.cancel()


def test_pause_stops_and_reset_starts_again(at):
    at.button(key="train_start_pause").click().run()
    assert at.session_state["train_running"]
    started = at.session_state["train_trainer"]
    assert started.updates == 0                                           # Start's run draws; a worker trains
    assert at.session_state["train_chunk"].source is started
    at.run()                                                              # the live view's timer: collects
    drawn = at.session_state["train_trainer"]
    assert drawn.updates > 0 and at.session_state["train_chunk"].source is drawn     # and the next chunk trains
    at.button(key="train_start_pause").click().run()                      # pause: at once, the chunk dropped
    assert not at.session_state["train_running"] and at.session_state.get("train_chunk") is None
    assert at.session_state["train_trainer"] is drawn and drawn.updates > 0
    assert any(f"Update **{drawn.updates:,}**" in m.value for m in at.markdown)   # the weights drawn last
    at.run()
    assert at.session_state["train_trainer"] is drawn
    at.button(key="train_reset").click().run()
    assert at.session_state["train_trainer"].updates == 0


def test_open_in_the_other_lessons(at):
    at.button(key="train_one").click().run()
    trained = at.session_state["train_trainer"].params
    at.button(key="train_adopt").click().run()
    assert any("now the model of every lesson" in s.value for s in at.success)
    assert at.session_state["params"].equals(trained)
    assert at.session_state["model"]["I"] == 1 and at.session_state["model"]["f_s"] == "relu"
    at.switch_page(PAGES["step"].file).run()
    assert not at.exception
    assert at.session_state["params"].equals(trained)                     # the sidebar kept it


def test_upload_continues_from_a_file_and_refuses_a_bad_one(at):
    task_model = rv.init_params(2, 5, 3, f_s="tanh", f_o="softmax", seed=4)   # parity modulo 3, H = 5
    at.file_uploader(key="train_upload").upload("mine.json", model_io.to_json(task_model).encode(),
                                                "application/json").run()
    assert not at.exception
    assert any("Loaded ` mine.json `" in s.value for s in at.success)
    trainer = at.session_state["train_trainer"]
    assert trainer.task.name == "parity" and trainer.task.output_size == 3 and trainer.params.equals(task_model)
    at.button(key="train_one").click().run()
    bad = model_io.to_npz(task_model.replace(b_s=np.zeros(5))).replace(b"f_s", b"f_x")
    at.file_uploader(key="train_upload").upload("broken.npz", bad, "application/octet-stream").run()
    assert any("` broken.npz ` was not loaded, and nothing changed" in e.value for e in at.error)
    assert at.session_state["train_trainer"] is trainer and trainer.updates == 1


@pytest.mark.parametrize("text", ["3 1 4", "a`b ``[x](http://e.com) <img src=x onerror=1> | *c* \\| ![i](j)",
                                  "www.example.com **bold** # heading"])
def test_example_sequences_stay_text_whatever_the_task_data_hold(text):
    """The examples are Markdown made by the app: each sequence and answer is one code span holding exactly the
    data (no link, image, HTML or emphasis can come out of it), in a list rather than a table (a | in the data
    would split a table's cells)."""
    from types import SimpleNamespace
    from markdown_it import MarkdownIt
    from rnnviz.tasks import Dataset
    from rnnviz.ui import train_view
    data = Dataset(np.zeros((1, 3, 1)), np.array([3]), np.array([1]), (text,))
    md = train_view.examples(SimpleNamespace(train=data, task=SimpleNamespace(name="parity")))
    tokens = [t for block in MarkdownIt("commonmark").parse(md) if block.children for t in block.children]
    assert {t.type for t in tokens} <= {"text", "code_inline", "strong_open", "strong_close", "softbreak"}
    assert [t.content.strip() for t in tokens if t.type == "code_inline"] == [text, "1"]
    assert md.endswith("· length 3")


def test_each_task_trains_on_the_page(at):
    for name in ("parity", "sentiment", "next_char", "sum"):
        at.selectbox(key="train_task").set_value(name).run()
        at.button(key="train_one").click().run()
        assert not at.exception
        trainer = at.session_state["train_trainer"]
        assert trainer.task.name == name and trainer.updates == 1
    at.selectbox(key="train_task").set_value("next_char").run()
    assert any(len(c.value) > 300 for c in at.get("code"))                 # the generated text


def test_the_finer_optimizer_settings_are_built_when_their_box_is_opened(at):
    finer = ("train_lr_halflife", "train_batch_size", "train_clip", "train_strategy")
    keys = lambda: {w.key for w in at.main if getattr(w, "key", None)}               # noqa: E731
    assert not keys() & set(finer)
    assert ("minibatches of 32: group by length (no pads); gradient norm clipped at 1; learning rate halves every "
            "2,000 updates") in [c.value for c in at.caption]
    at.session_state["train_more_open"] = True
    at.run()
    assert set(finer) <= keys()
    at.radio(key="train_strategy").set_value("pad").run()
    at.select_slider(key="train_batch_size").set_value(8).run()
    assert set(finer) <= keys()                                           # still open after a change
    config = at.session_state["train_trainer"].config
    assert (config.strategy, config.batch_size) == ("pad", 8)
    at.session_state["train_more_open"] = False
    at.run()
    assert any(c.value.startswith("minibatches of 8: pad and mask;") for c in at.caption)


def test_overflow_is_reported_and_training_disabled(at):
    at.selectbox(key="train_f_s").set_value("identity").run()
    at.radio(key="train_optimizer").set_value("sgd").run()
    at.select_slider(key="train_lr").set_value(1.0).run()
    at.session_state["train_more_open"] = True                            # the finer settings' box
    at.run()
    at.select_slider(key="train_clip").set_value(0.0).run()
    for _ in range(6):
        if at.button(key="train_one").disabled:
            break
        at.button(key="train_one").click().run()
    assert not at.exception
    assert any("inf or NaN" in e.value for e in at.error)
    assert at.button(key="train_start_pause").disabled


def test_the_sidebar_has_no_model_controls_that_would_do_nothing_here():
    at = open_page("train")
    assert not [w.key for w in at.sidebar if str(getattr(w, "key", "")).startswith("model_")]
    assert any("Open in the other lessons" in c.value for c in at.sidebar.caption)
