"""Step controls: first / back / forward / last buttons, a slider for t, and play / pause with a speed.

The step is a setting (`name`: "step_t" or "bptt_n" in the settings table); buttons change it in on_click
callbacks (which run before the script), so it survives reruns and changes of unrelated controls. Put
`stepper` and the charts it moves in one st.fragment whose run_every is what `play_controls` returns: a step
then reruns only that fragment.
"""
import streamlit as st

from . import links, session


def _move(name: str, to: int) -> None:
    session.set_value(name, to)


def _toggle_play(name: str, first: int, last: int) -> None:
    playing = not session.get(f"{name}_playing", False)
    session.put(f"{name}_playing", playing)
    if playing and session.value(name) >= last:                     # play from the start again
        session.set_value(name, first)


def play_controls(name: str, first: int, last: int) -> float | None:
    """Play/pause button and speed, drawn outside the fragment. Returns seconds per step while playing. Fits the
    step into first..last here, outside the fragment, so that a link's step past the end is named at the top."""
    session.fit(name, first, last)
    playing = session.get(f"{name}_playing", False)
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    c1.button("Pause" if playing else "Play", icon=":material/pause:" if playing else ":material/play_arrow:",
              key=f"{name}_play", on_click=_toggle_play, args=(name, first, last),
              type="primary", shortcut="P", help="play through the steps (keyboard: P)", disabled=last <= first)
    with c2:
        speed = session.widget(f"{name.split('_')[0]}_speed")
    return 1.0 / speed if playing else None


def stepper(name: str, first: int, last: int, label: str | None = None) -> int:
    """Buttons and slider for the step in first..last; returns it. While playing, each call advances it by one."""
    playing = session.get(f"{name}_playing", False)
    t = session.fit(name, first, last)                                     # the sequence may have shrunk
    if playing:
        t = min(t + 1, last)
        session.set_value(name, t)
        if t == last:                                                       # the end: stop the timer
            session.put(f"{name}_playing", False)
    if last <= first:
        st.caption(f"{label or 'step t'} = {first}: there are no steps to move through.")
        return first
    cols = st.columns([1, 1, 1, 1, 7, 1], vertical_alignment="bottom")
    buttons = ((":material/first_page:", first, "first step", None),
               (":material/chevron_left:", max(t - 1, first), "back one step (keyboard: B)", "B"),
               (":material/chevron_right:", min(t + 1, last), "forward one step (keyboard: N)", "N"),
               (":material/last_page:", last, "last step", None))
    for col, (icon, to, tip, keyboard) in zip(cols, buttons):
        col.button("", icon=icon, key=f"{name}_{tip.split()[0]}", on_click=_move, args=(name, to), help=tip,
                   shortcut=keyboard, disabled=playing, width="stretch")
    with cols[4]:
        session.widget(name, lo=first, hi=last, label=label, disabled=playing)
    if playing and t == last:
        st.rerun()                                                          # a full run redraws Play, stops run_every
    links.sync()                                                            # a fragment rerun: keep the link current
    if not session.hidden("step_link"):
        with cols[5].popover("", icon=":material/link:", help="a link to this view at this step"):
            links.link_box()
    return t
