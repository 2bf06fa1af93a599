"""The protocol-level load generator (loadtest/): it refuses non-loopback targets, speaks Streamlit's
websocket protocol the way a browser does (widgets by key, fragment reruns, the full widget-state list),
and reports exceptions and disconnects. Runs against servers it starts on 127.0.0.1; asserts counts and
states, never timings."""
import asyncio
import sys
import pathlib
import textwrap

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from serving.loadtest import LoopbackOnly, Session, require_loopback, summarise
from serving.loadtest.protocol import Interaction, key_of
from serving.loadtest.stats import format_summary, percentile
from serving.loadtest.server import Server
from serving.loadtest.students import run_class, train_briefly


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
    assert key_of("$$ID-0d4045716f1f6e39e1d1ed388bbe06d8-step_t_forward") == "step_t_forward"
    assert key_of("$$ID-0d4045716f1f6e39e1d1ed388bbe06d8-a-key-with-dashes") == "a-key-with-dashes"
    assert key_of("$$ID-0d4045716f1f6e39e1d1ed388bbe06d8-None") is None
    assert key_of("not-an-id") is None


@pytest.fixture(scope="module")
def app_server():
    with Server() as srv:
        yield srv


def run(coro):
    return asyncio.run(coro)


def test_a_session_steps_through_time_in_a_fragment(app_server):
    async def go():
        s = Session(app_server.url)
        it = await s.open("Step_through_time")
        assert it.ok and not it.fragment, it
        assert {"step_t_forward", "step_t", "model_H", "sequence_T", "sequence_pads"} <= s.keys()
        assert {"Step_through_time", "Back-propagation_through_time"} <= set(s.pages)
        slider = s.widget("step_t")
        forward = s.widget("step_t_forward")
        assert forward.fragment_id and forward.fragment_id == slider.fragment_id   # drawn inside st.fragment
        assert not s.widget("model_H").fragment_id
        it = await s.click("step_t_forward")
        assert it.ok and it.fragment, it                   # only the fragment reran
        it = await s.click("step_t_forward")
        assert list(s.states[s.widget("step_t").id].double_array_value.data) == [2.0]
        assert "t=2" in s.query_string.split("&")          # the app wrote the step into the link
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
        it = await s.set("model_f_s", "relu")
        assert it.ok and "f_s=relu" in s.query_string.split("&")
        it = await s.switch_page("Back-propagation_through_time")
        assert it.ok and "bptt_n_forward" in s.keys() and "step_t_forward" not in s.keys()
        assert "H=5" in s.query_string.split("&")          # the session kept its model across pages
        it = await s.set("bptt_tab", "Vanishing and exploding")
        assert it.ok and "bptt_n_forward" not in s.keys()
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


def test_timer_ticks_are_left_out_of_the_students_own_actions():
    done = [Interaction("click:step_t_forward", "p", 0.0, 0.010 * k, True) for k in range(1, 21)]
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
        done = await train_briefly(s, ticks=3)
        assert [it.action for it in done] == ["click:train_start_pause"] + ["tick"] * 3 + ["click:train_start_pause"]
        assert all(it.ok for it in done), [it.error or it.exceptions for it in done]
        assert all(it.fragment for it in done[1:4])
        assert s.timer is None and s.widget("train_start_pause").proto.label == "Start"
        await s.close()
    run(go())
