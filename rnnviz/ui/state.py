"""Session-state defaults for widgets whose value may come from a link.

A widget given both a `value=` and a session-state value makes Streamlit warn, and a session-state value
outside the widget's range raises. These helpers put a valid value into st.session_state before the
widget is drawn (the widget is then created without `value=`), whatever a link or an earlier page left.
"""
import streamlit as st


def number_default(key: str, default, lo=None, hi=None) -> None:
    """st.session_state[key]: its number if it has one, else `default`; clamped into [lo, hi]."""
    kind = type(default)
    try:
        value = kind(st.session_state.get(key, default))
    except (TypeError, ValueError):
        value = default
    if lo is not None:
        value = max(kind(lo), value)
    if hi is not None:
        value = min(kind(hi), value)
    st.session_state[key] = value


def choice_default(key: str, options, default) -> None:
    """st.session_state[key]: its value if it is one of the options, else `default`."""
    if st.session_state.get(key) not in list(options):
        st.session_state[key] = default


def _remember(group: str, key: str, extra_callback) -> None:
    """on_change: copy a bound widget's new value into its settings group."""
    st.session_state[group][key] = st.session_state[f"{group}_{key}"]
    if extra_callback is not None:
        extra_callback()


def bound(group: str, key: str, widget, label: str, *args, on_change=None, **kwargs):
    """Draw `widget` showing st.session_state[group][key] and writing changes back there.

    Settings kept in a plain dict survive page switches and links; a widget's own state does not (its
    identity differs from page to page). on_change, if given, runs after the value is stored.
    """
    wkey = f"{group}_{key}"
    st.session_state[wkey] = st.session_state[group][key]          # the widget shows the remembered value
    return widget(label, *args, key=wkey, on_change=_remember, args=(group, key, on_change), **kwargs)
