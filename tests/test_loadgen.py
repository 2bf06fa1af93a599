"""The protocol-level load generator (loadtest/): it refuses non-loopback targets, speaks Streamlit's
websocket protocol the way a browser does (widgets by key, fragment reruns, the full widget-state list),
and reports exceptions and disconnects. Runs against servers it starts on 127.0.0.1; asserts counts and
states, never timings."""
import asyncio
import sys
import pathlib
import textwrap
import urllib.parse

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from serving.loadtest import LoopbackOnly, Session, require_loopback, summarise
from serving.loadtest.protocol import Interaction, StepperTracker, key_of
from serving.loadtest.stats import format_summary, percentile
from serving.loadtest.server import Server
from serving.loadtest.students import PADDING_TABS, act, run_class, train_briefly
from rnnviz.ui import settings


@pytest.mark.parametrize("url", ["http://10.0.0.1:8501", "http://192.168.1.2", "http://example.com:8501",
                                 "ws://8.8.8.8/_stcore/stream", "http://0.0.0.0:8501", "http://[2001:db8::1]:80"])
def test_only_loopback_targets_are_accepted(url):
    with pytest.raises(LoopbackOnly):
        require_loopback(url)
    with pytest.raises(LoopbackOnly):
        Session(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8501", "http://localhost:1", "http://127.3.2.1", "http://[::1]:80"])
def test_loopback_targets_are_accepted(url):
    require_loopback(url)


def test_widget_keys_are_read_from_element_ids():
    assert key_of("$$ID-0d4045716f1f6e39e1d1ed388bbe06d8-step_stepper") == "step_stepper"
    assert key_of("$$ID-0d4045716f1f6e39e1d1ed388bbe06d8-a-key-with-dashes") == "a-key-with-dashes"
    assert key_of("$$ID-0d4045716f1f6e39e1d1ed388bbe06d8-None") is None
    assert key_of("not-an-id") is None


@pytest.fixture(scope="module")
def app_server():
    with Server() as srv:
        yield srv


def run(coro):
    return asyncio.run(coro)


def drawn_texts(s: Session, kind: str, field: str) -> list:
    """The texts of the elements of one kind (markdown: body, code: code_text) the session receives from now on,
    as the browser shows them."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    texts, handle = [], s._handle

    def keep(raw):
        m = ForwardMsg()
        m.ParseFromString(raw)
        if m.WhichOneof("type") == "delta" and m.delta.new_element.WhichOneof("type") == kind:
            texts.append(getattr(getattr(m.delta.new_element, kind), field))
        handle(raw)
    s._handle = keep
    return texts


def test_the_stepper_reports_a_step_only_after_a_pause_or_when_python_moved_it():
    tr = StepperTracker.mounted({"T": 8, "step": 3})
    assert (tr.t, tr.synced, tr.last) == (3, 3, 3)
    tr.t = 6                                               # steps in the browser: nothing is sent
    assert not tr.redrawn({"T": 8, "step": 3})             # a rerun that left Python's step alone
    assert tr.t == 6
    tr.synced = 6                                          # the pause reported 6; the fragment redraws with it
    assert not tr.redrawn({"T": 8, "step": 6})
    assert tr.redrawn({"T": 4, "step": 4})                 # a shorter sequence: Python moved it, the JS reports it
    assert (tr.t, tr.synced, tr.last, tr.T) == (4, 4, 4, 4)


def test_a_session_steps_in_the_browser_and_a_pause_reruns_the_fragment(app_server):
    async def go():
        s = Session(app_server.url)
        it = await s.open("Step_through_time")
        assert it.ok and not it.fragment, it
        assert {"step_stepper", "step_reveal", "model_H", "sequence_T", "sequence_pads"} <= s.keys()
        assert not {"step_t", "step_t_forward"} & s.keys()              # the server-side step controls are gone
        assert {"Step_through_time", "Back-propagation_through_time"} <= set(s.pages)
        stepper = s.widget("step_stepper")
        assert stepper.kind == "bidi_component" and stepper.fragment_id      # drawn inside st.fragment
        assert not s.widget("model_H").fragment_id
        assert s.component_state("step_stepper") == {}                 # the browser holds no state before a report
        tr = s.stepper("step_stepper")
        assert (tr.t, tr.T) == (0, stepper.data()["T"]) and tr.T >= 2
        assert await s.pause("step_stepper") is None                   # no step taken: nothing to report
        tr.t = 2                                                       # two steps in the browser, then a pause
        it = await s.pause("step_stepper")
        assert it.ok and it.fragment and it.action == "pause:step_stepper", it
        assert s.component_state("step_stepper") == {"step": 2}
        assert s.widget("step_stepper").data()["step"] == 2            # the fragment redrew at the new step
        assert "t=2" in s.query_string.split("&")                      # the app wrote the step into the link
        assert not s.follow
        it = await s.set("model_seed", 7)                              # a full rerun keeps the step
        assert it.ok and not it.fragment and s.widget("step_stepper").data()["step"] == 2 and not s.follow
        await s.close()
    run(go())


def test_a_step_python_moves_is_reported_back_as_the_browser_does(app_server):
    async def go():
        s = Session(app_server.url)
        await s.open("Step_through_time")
        tr = s.stepper("step_stepper")
        tr.t = tr.T                                                    # play to the end
        assert (await s.pause("step_stepper")).ok
        done = await act(s, ("set", "sequence_T", 2))                  # a shorter sequence: the step is clamped
        assert [it.action for it in done] == ["set:sequence_T", "follow:step_stepper"], done
        assert all(it.ok for it in done) and done[1].fragment
        T = s.widget("step_stepper").data()["T"]
        assert s.component_state("step_stepper") == {"step": T} == {"step": s.stepper("step_stepper").t}
        await s.close()
    run(go())


def test_every_widget_state_is_sent_and_controls_change_the_model(app_server):
    async def go():
        s = Session(app_server.url)
        await s.open("Step_through_time")
        valued = {w.id for w in s.widgets.values() if w.value_state() is not None}
        assert valued and valued <= set(s.states)          # a browser holds a value for every widget on screen
        it = await s.set("model_H", 5)
        assert it.ok and not it.fragment
        assert "H=5" in s.query_string.split("&")
        assert s.states[s.widget("model_H").id].double_value == 5
        assert s.widget("step_stepper").data()["H"] == 5
        it = await s.set("model_f_s", "relu")
        assert it.ok and "f_s=relu" in s.query_string.split("&")
        it = await s.switch_page("Back-propagation_through_time")
        assert it.ok and "bptt_stepper" in s.keys() and "step_stepper" not in s.keys()
        assert "H=5" in s.query_string.split("&")          # the session kept its model across pages
        s.stepper("bptt_stepper").t = 3                    # three steps backward, then a pause
        it = await s.pause("bptt_stepper")
        assert it.ok and it.fragment and "n=3" in s.query_string.split("&"), it
        it = await s.set("bptt_tab", "Vanishing and exploding")
        assert it.ok and "bptt_stepper" not in s.keys() and not s.steppers
        it = await s.set("bptt_tab", "Step backward")
        assert it.ok and s.widget("bptt_stepper").data()["step"] == 3     # the step survived the other tab
        it = await s.switch_page("Padding_and_batches")
        assert it.ok and {"padding_lengths_0", "padding_B", "padding_bias", "padding_tab"} <= s.keys()
        it = await s.set("padding_lengths_0", 2)
        assert it.ok, it
        for tab in PADDING_TABS:                           # every tab a padding student opens is the page's
            it = await s.set("padding_tab", tab)
            assert it.ok and urllib.parse.parse_qs(s.query_string)["pb_tab"] == [tab], it
        assert "padding_lengths_0" in s.keys()            # the batch controls stay above the tabs
        it = await s.switch_page("Train_and_generalise")
        assert it.ok
        it = await s.click("train_one")
        assert it.ok, it
        await s.close()
    run(go())


def test_the_server_starts_with_few_malloc_arenas(app_server):
    with open(f"/proc/{app_server.pid}/environ", "rb") as f:
        assert b"MALLOC_ARENA_MAX=2" in f.read().split(b"\0")


def test_a_small_class_runs_without_errors(app_server):
    students = run(run_class(app_server.url, 3, 3, mean_gap=0.3, ramp=0.5, seed=2))
    interactions = [it for s in students for it in s.interactions]
    summary = summarise(interactions)
    assert summary["interactions"] >= 3 + 3                     # every student opened a page and acted
    assert summary["errors"] == 0 and summary["exceptions"] == 0, summary
    assert {it.action for it in interactions} - {"open"}


def test_a_class_on_the_step_page_sends_pauses_not_steps(app_server):
    students = run(run_class(app_server.url, 3, 4, mean_gap=0.3, ramp=0.5, seed=3, first_page="Step_through_time"))
    interactions = [it for s in students for it in s.interactions]
    summary = summarise(interactions)
    assert summary["errors"] == 0 and summary["exceptions"] == 0, summary
    pauses = [it for it in interactions if it.action.startswith("pause:")]
    assert pauses and all(it.fragment for it in pauses)
    assert not any(it.action.startswith("click:step") for it in interactions)


def test_a_class_on_the_padding_page_opens_its_tabs(app_server):
    assert PADDING_TABS == settings.BY_NAME["padding_tab"].choices     # the tabs the page really has
    students = run(run_class(app_server.url, 3, 4, mean_gap=0.3, ramp=0.5, seed=4, first_page="Padding_and_batches"))
    interactions = [it for s in students for it in s.interactions]
    summary = summarise(interactions)
    assert summary["errors"] == 0 and summary["exceptions"] == 0, summary
    assert any(it.action == "set:padding_tab" and it.ok for it in interactions)
    assert any(it.action.startswith("set:padding_") and it.action != "set:padding_tab" for it in interactions)


def test_timer_ticks_are_left_out_of_the_students_own_actions():
    done = [Interaction("pause:step_stepper", "p", 0.0, 0.010 * k, True) for k in range(1, 21)]
    ticks = [Interaction("tick", "p", 0.0, 1.0, True) for _ in range(5)]
    s = summarise(done + ticks, seconds=1.0)
    assert s["interactions"] == 25 and s["p95_ms"] == 1000.0
    assert s["actions"]["n"] == 20 and s["actions"]["p95_ms"] == percentile([10.0 * k for k in range(1, 21)], 95)
    assert "timer ticks left out" in format_summary(s)


BROKEN_APP = textwrap.dedent('''
    import streamlit as st
    if st.button("break", key="break"):
        raise ZeroDivisionError("on purpose")
    st.write("fine")
''')


def test_exceptions_and_disconnects_are_reported(tmp_path):
    app = pathlib.Path(tmp_path, "broken.py")
    app.write_text(BROKEN_APP)
    srv = Server(app=str(app), cwd=tmp_path, options={"client.showErrorDetails": "type"}).start()
    try:
        async def go():
            s = Session(srv.url, timeout=10)
            it = await s.open(None)
            assert it.ok
            it = await s.click("break")
            assert it.exceptions and "ZeroDivisionError" in it.exceptions[0] and not it.ok
            srv.kill()
            it = await s.rerun("after the server stopped")
            assert it.error and not it.ok
            await s.close()
        run(go())
    finally:
        srv.stop()


def test_a_student_trains_briefly_as_a_browser_does(app_server):
    """Start starts the live view's timer; each tick reruns only that fragment and trains; Pause stops it."""
    async def go():
        s = Session(app_server.url, timeout=60)
        it = await s.open("Train_and_generalise")
        assert it.ok and s.timer is None and s.widget("train_start_pause").proto.label == "Start", it
        done = await train_briefly(s, seconds=1.2)                     # timer reruns every 0.5 s: 1 to 3
        ticks = len(done) - 2
        assert [it.action for it in done] == ["click:train_start_pause", *["tick"] * ticks, "click:train_start_pause"]
        assert ticks >= 1
        assert all(it.ok for it in done), [it.error or it.exceptions for it in done]
        assert all(it.fragment for it in done[1:-1])
        assert s.timer is None and s.widget("train_start_pause").proto.label == "Start"
        await s.close()
    run(go())


def test_one_update_reruns_only_the_training_lab(app_server):
    """'One update' is a click inside the lab's fragment, sent as a browser sends it: only the lab reruns (the
    settings box is not drawn again) and shows the new update; a run-length change keeps the address the share
    link; Reset, which needs a fresh Trainer, reruns the whole page."""
    async def go():
        s = Session(app_server.url, timeout=60)
        texts = drawn_texts(s, "markdown", "body")
        assert (await s.open("Train_and_generalise")).ok
        lab = s.widget("train_one").fragment_id
        assert lab and s.widget("train_start_pause").fragment_id == lab and not s.widget("train_task").fragment_id
        drawn = s.widget("train_task").run
        for n in (1, 2):
            texts.clear()
            it = await s.click("train_one")
            assert it.ok and it.fragment, it
            assert any(t.startswith(f"Update **{n}** ") for t in texts), texts
        assert s.widget("train_task").run == drawn                     # the settings were not drawn again
        it = await s.set("train_run_updates", "300")
        assert it.ok and it.fragment and "tr_run=300" in s.query_string.split("&")
        it = await s.click("train_reset")
        assert it.ok and s.widget("train_task").run > drawn            # the whole page ran
        assert any(t.startswith("Update **0** ") for t in texts)
        await s.close()
    run(go())


def test_a_pause_the_browser_sends_twice_still_pauses(app_server):
    """Streamlit's browser sends a click a moment after recording it; a timer tick due in between carries it
    too. Pause twice (in the tick, then in the click's own rerun) pauses, and the timer stops."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    async def go():
        s = Session(app_server.url, timeout=60)
        await s.open("Train_and_generalise")
        assert (await s.click("train_start_pause")).ok and s.timer is not None
        assert s.widget("train_start_pause").proto.label == "Pause" and s.widget("train_one").disabled
        pause = WidgetState(id=s.widget("train_start_pause").id, trigger_value=True)
        it = await s.rerun("tick carrying the click", extra=pause, fragment_id=s.timer[1])
        assert it.ok, it
        it = await s.click("train_start_pause")
        assert it.ok and s.timer is None and s.widget("train_start_pause").proto.label == "Start", it
        assert not s.widget("train_one").disabled
        await s.close()
    run(go())


def test_a_late_reply_to_an_earlier_pause_does_not_move_the_stepper_back():
    """As stepper.js: with Python's move counter in the data, only a new count moves the browser."""
    from serving.loadtest.protocol import StepperTracker
    s = StepperTracker.mounted({"T": 10, "step": 0, "moved": 1})
    s.t, s.synced = 5, 5                                     # the student stepped to 3, paused, then to 5, paused
    assert not s.redrawn({"T": 10, "step": 3, "moved": 1})   # the reply to the first pause arrives late
    assert s.t == 5
    assert s.redrawn({"T": 10, "step": 2, "moved": 2})       # Python moved it (a link, a clamp): follow
    assert s.t == 2 and s.synced == 2


def test_an_open_share_box_shows_the_link_a_part_that_reran_alone_changed(app_server):
    """A BPTT tab is a part of the page that reruns alone; the sidebar's 'Share this view' box is outside it. While
    the box is open, a tab change that changes the link reruns the whole page, so the box shows the new link;
    while it is shut, the tab change stays a fragment rerun."""
    async def go():
        s = Session(app_server.url, timeout=60)
        codes = drawn_texts(s, "code", "code_text")                # the link as the box's st.code shows it
        assert (await s.open("Back-propagation_through_time")).ok
        it = await s.set("bptt_tab", "The derivation")
        assert it.ok and it.fragment and "tab=The+derivation" in s.query_string.split("&"), it
        it = await s.set("share_open", True)
        assert it.ok and codes and codes[-1].endswith("?" + s.query_string), codes
        codes.clear()
        it = await s.set("bptt_tab", "Truncation and clipping")
        link = urllib.parse.parse_qs(urllib.parse.urlsplit(codes[-1]).query) if codes else {}
        assert it.ok and link.get("tab") == ["Truncation and clipping"], (it, codes)
        await s.close()
    run(go())
