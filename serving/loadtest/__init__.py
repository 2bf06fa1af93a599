"""A class of simulated students that speak Streamlit's own websocket protocol (no browser).

    python -m serving.loadtest --url http://127.0.0.1:8501 --students 100 --seconds 60 --mean-gap 2

Each simulated student is one websocket session: it opens a page, steps through time, changes a control,
now and then switches page or trains, the way a browser would (widgets are found by their keys in the
elements the server sends; every rerun carries the full list of widget states). Stepping happens in the
browser (the pages' stepper component): only the pause after a few steps sends a message, one rerun of
the stepper's fragment with the component's JSON state. The load
generator only ever connects to loopback addresses (127.0.0.0/8, ::1, localhost) and every loop in it is
bounded in time and count.

    protocol.Session    one browser tab: connect, rerun, click(key), set(key, value), switch_page(name),
                        stepper(key) / pause(key) / set_state(key, **values) for a v2 component
    students.run_class  many Sessions acting at Poisson times; returns per-interaction records
    stats.summarise     p50 / p95 latency, errors, reruns per second
    server.Server       start / stop a local `streamlit run` and read its CPU time and memory
"""
from .protocol import Interaction, LoopbackOnly, ProtocolError, Session, Widget, require_loopback
from .stats import summarise

__all__ = ["Interaction", "LoopbackOnly", "ProtocolError", "Session", "Widget", "require_loopback", "summarise"]
