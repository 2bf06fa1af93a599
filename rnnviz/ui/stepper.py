"""Step controls: first / back / forward / last buttons, a slider for t, and play / pause with a speed.

The step lives in st.session_state[key]; buttons change it in on_click callbacks (which run before the
script), so it survives reruns and changes of unrelated controls. Put `stepper` and the charts it moves in
one st.fragment whose run_every is what `play_controls` returns: a step then reruns only that fragment.
"""
import streamlit as st

from .share import link_box, sync_url
from .state import choice_default

SPEEDS = (0.5, 1, 2, 4, 8)          # steps per second


def _move(key: str, to: int) -> None:
    st.session_state[key] = to


def _toggle_play(key: str, first: int, last: int) -> None:
    playing = not st.session_state.get(f"{key}_playing", False)
    st.session_state[f"{key}_playing"] = playing
    if playing and st.session_state.get(key, first) >= last:       # play from the start again
        st.session_state[key] = first


def play_controls(key: str, first: int, last: int) -> float | None:
    """Play/pause button and speed, drawn outside the fragment. Returns seconds per step while playing."""
    playing = st.session_state.get(f"{key}_playing", False)
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    c1.button("Pause" if playing else "Play", icon=":material/pause:" if playing else ":material/play_arrow:",
              key=f"{key}_play", on_click=_toggle_play, args=(key, first, last),
              type="primary", shortcut="P", help="play through the steps (keyboard: P)", disabled=last <= first)
    choice_default(f"{key}_speed", SPEEDS, 2)
    speed = c2.select_slider("speed (steps per second)", SPEEDS, key=f"{key}_speed", persist_state="page")
    return 1.0 / speed if playing else None


def stepper(key: str, first: int, last: int, label: str = "step t") -> int:
    """Buttons and slider for t in first..last; returns t. While playing, each call advances t by one."""
    playing = st.session_state.get(f"{key}_playing", False)
    t = min(max(int(st.session_state.get(key, first)), first), last)       # the sequence may have shrunk
    if playing:
        t = min(t + 1, last)
        if t == last:                                                       # the end: stop the timer
            st.session_state[f"{key}_playing"] = False
    st.session_state[key] = t
    if last <= first:
        st.caption(f"{label} = {first}: there are no steps to move through.")
        return first
    cols = st.columns([1, 1, 1, 1, 7, 1], vertical_alignment="bottom")
    buttons = ((":material/first_page:", first, "first step", None),
               (":material/chevron_left:", max(t - 1, first), "back one step (keyboard: B)", "B"),
               (":material/chevron_right:", min(t + 1, last), "forward one step (keyboard: N)", "N"),
               (":material/last_page:", last, "last step", None))
    for col, (icon, to, tip, keyboard) in zip(cols, buttons):
        col.button("", icon=icon, key=f"{key}_{tip.split()[0]}", on_click=_move, args=(key, to), help=tip,
                   shortcut=keyboard, disabled=playing, width="stretch")
    cols[4].slider(label, first, last, key=key, disabled=playing, persist_state="page")
    if playing and t == last:
        st.rerun()                                                          # a full run redraws Play, stops run_every
    sync_url()                                                              # a fragment rerun: keep the link current
    with cols[5].popover("", icon=":material/link:", help="a link to this view at this step"):
        link_box()
    return t
