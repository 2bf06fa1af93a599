"""The step controls of the step and BPTT pages: the in-browser stepper (rnnviz.ui.stepper_component) bound to
a step setting ("step_t" forward, "bptt_n" backward), with the page's 'show not yet computed' toggle and the
link to this step. Stepping, playing and drawing happen in the browser; the step comes back (one rerun of the
part the page puts this in: ui.rerun_alone, which keeps the link current) when stepping pauses."""
import streamlit as st

from ..stepper_payload import backward_payload, forward_payload
from . import links, session
from .stepper_component import stepper_view


def _reported(name: str, t: int) -> None:
    """The browser reported step t after a pause: it is the setting's value, and not a move of Python's."""
    session.set_value(name, t)
    session.put(f"{name}_reported", t)


def stepper(name: str, p, tr, g=None, labels=None) -> int:
    """The stepper for setting `name` over the trace tr (with g: the backward pass); returns the step."""
    group = name.split("_")[0]
    mode = "forward" if g is None else "backward"
    payload = forward_payload(p, tr, labels) if g is None else backward_payload(p, tr, g, labels)
    step = session.fit(name, 0, int(payload["T"]))
    if step != session.get(f"{name}_reported"):        # Python moved it (a link, a clamp, a lesson) since the
        session.put(f"{name}_moved", session.get(f"{name}_moved", 0) + 1)   # browser last reported: it follows
        session.put(f"{name}_reported", step)
    show_all = session.widget(f"{group}_reveal")
    stepper_view(payload, key=f"{group}_stepper", step=step, mode=mode, show_all=show_all,
                 present=bool(session.value("view_present")), moved=session.get(f"{name}_moved"),
                 on_step=lambda t: _reported(name, t))
    if not session.hidden("step_link"):               # inside the part: a pause shows the new link
        link = st.popover("Link to this step", icon=":material/link:", key=f"{group}_link_open", on_change="rerun")
        if link.open:                                # built when opened (a pause reruns only this fragment)
            with link:
                links.link_box()
    return session.value(name)
