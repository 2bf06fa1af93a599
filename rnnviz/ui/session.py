"""The one owner of st.session_state: every read and write of a session's state goes through this module.

What a session holds:
    settings     one dict per group of the settings table (st.session_state["model"], ["sequence"], ...),
                 shown by widgets whose key is f"{group}_{key}" (`widget` binds them: the one way to do it)
    params       the current Params and a version number that changes whenever they are replaced
    view         the lesson a link opened, what it hides (`hidden`), the problems it had (`notice`)
    KEYS         everything else a page keeps between reruns, each named with its meaning below; `get`,
                 `put` and `pop` refuse a key that is not listed, so no state lives in an unnamed place.

Widgets' own values are forgotten by Streamlit when a widget is not drawn (another page, a hidden control),
so a setting lives in its group's dict and the widget shows it: `widget` copies the value into the widget's
key before drawing it, and the widget's on_change copies a new value back.
"""
import secrets

import streamlit as st

from . import settings as table

KEYS = {
    # the model
    "params": "the session's current Params (drawn from the model settings, edited, trained or loaded)",
    "params_version": "a counter that changes whenever params are replaced (editors and link caches key on it)",
    "params_drawn_from": "the ModelSettings the params were last drawn from (a change draws fresh ones)",
    "params_edited": "(params_version, whether the params differ from what the model settings draw)",
    "link_weights": "(params_version, the link's weight fields, what it does not carry) worked out once per version",
    "token": "an opaque random id of this browser session (the model store counts new models per session)",
    "open_upload": "the model file being opened from the sidebar (any page)",
    "page": "the key of the page this run shows (rnnviz.ui.pages.PAGES)",
    "goto_lesson": "the lesson the presentation view's 'Next lesson' asked for (opened at the next run's start)",
    "charts": "{page: {chart key: FigureSpec}} the charts each page drew last (for 'Pictures for your notes')",
    "pictures_chart": "the chart picked in 'Pictures for your notes'",
    # the view a link opened
    "restored": "True once the link of this session has been read",
    "share_open": "True while the sidebar's 'Share this view' box is open (its expander's own state)",
    "lesson": "the name of the lesson the link opened, or None",
    "hide": "the controls and sections the link hides (names of settings.HIDEABLE)",
    "link_pending": "settings whose value came from the link and whose model-dependent range is not yet checked",
    "notices": "[(kind, text)] to show at the top of the next page run (problems with the link)",
    # stepping
    "step_stepper": "the step page's in-browser stepper ({'step': t} as the browser last reported it)",
    **{f"{name}_{what}": meaning for name in ("step_t", "bptt_n", "inside_t") for what, meaning in (
        ("reported", "the step the browser last reported (or Python last sent)"),
        ("moved", "how often Python moved the step itself: the browser follows only a new count"))},
    "bptt_stepper": "the BPTT page's backward stepper ({'step': n})",
    **{f"{k}_held": "the payload id it held at its last report" for k in ("step_stepper", "bptt_stepper", "inside_stepper")},
    # widgets whose value the pages read (not settings: they do not travel in links)
    "one_weight_name": "the weight picked in the single-weight editor", "one_weight_value": "its typed value",
    "one_weight_error": "what was wrong with the last typed value, shown once",
    "train_upload": "the model file being uploaded",
    # the training lab
    "train_trainer": "the Trainer (replaced by the trained copy the training pool returns)",
    "train_test": "the test set of lengths 1 .. 2 × the longest trained length",
    "train_built": "the settings the Trainer was built from (a change rebuilds it)",
    "train_running": "True while the live view trains", "train_run_end": "the update this run stops at",
    "train_chunk": "the training under way in a worker (training_pool.Chunk) that the next live rerun collects",
    "train_start": "Params from an uploaded file to start from (None: fresh weights from the seed)",
    "train_message": "(kind, text) about the last model action, shown once",
    "train_run_message": "(kind, text) about a failed training run, shown once",
    "train_clock": "[(time, updates)] of recent live reruns, for updates per second",
    "train_by_length": "(run id, update, time, result) of the last test against length",
    "train_compare_result": "(settings, result) of the last comparison of state activations",
    # inside a trained RNN
    "inside_stepper": "the Inside page's in-browser stepper over the typed input ({'step': t})",
}
PREFIXES = ("edit_", "seq_table_")         # data editors keyed by what they edit (their edits live in them)


def _known(key: str) -> str:
    if key not in KEYS and not key.startswith(PREFIXES):
        raise KeyError(f"{key!r} is not a session key listed in rnnviz.ui.session.KEYS")
    return key


def token() -> str:
    """This session's opaque id (random, made on first use; it names nothing about the student)."""
    if get("token") is None:
        put("token", secrets.token_urlsafe(16))
    return get("token")


def get(key: str, default=None):
    return st.session_state.get(_known(key), default)


def put(key: str, value) -> None:
    st.session_state[_known(key)] = value


def pop(key: str, default=None):
    return st.session_state.pop(_known(key), default)


def drop(key: str) -> None:
    """Forget a key (a data editor's edits, say)."""
    st.session_state.pop(_known(key), None)


# ---- settings -------------------------------------------------------------------------------------------------

def group(name: str) -> dict:
    """The settings of one group, {key: value}, created with the table's defaults on first use. (Every read of
    st.session_state costs tens of microseconds and a run makes hundreds: one read here.)"""
    values = st.session_state.get(name)
    if values is None:
        values = st.session_state[name] = table.defaults(name)
    return values


def value(name: str):
    """The current value of a setting (its name: f"{group}_{key}")."""
    row = table.BY_NAME[name]
    return group(row.group)[row.key]


def set_value(name: str, new) -> None:
    """Set a setting (checked against its row: ValueError for a value the row does not allow)."""
    row = table.BY_NAME[name]
    group(row.group)[row.key] = table.check(row, new)


def update(group_name: str, values: dict) -> None:
    """Set several settings of one group at once (each checked against its row)."""
    for key, new in values.items():
        set_value(f"{group_name}_{key}", new)


def all_values() -> dict:
    """{setting name: value} of every group this session has used (what a link writes)."""
    groups = {name: st.session_state.get(name) or {} for name in table.GROUP_PAGES}
    return {row.name: groups[row.group][row.key] for row in table.ROWS if row.key in groups[row.group]}


def _store(name: str, index, extra) -> None:
    """on_change of a bound widget: its new value becomes the setting's."""
    row = table.BY_NAME[name]
    new = st.session_state[name if index is None else f"{name}_{index}"]
    if index is not None:
        values = list(value(name))
        values[index] = new
        new = tuple(values)
    elif row.kind == "ints":
        new = tuple(new)
    group(row.group)[row.key] = new
    put("link_pending", set())                             # the student has taken over: no more link messages
    if extra is not None:
        extra()


def fit(name: str, lo=None, hi=None, choices=None, default=None):
    """The setting's value, made to fit a range or choices that depend on the model or the sequence (a step
    past the sequence's end, a component past O): clamped, or `default` (else the first choice). A value
    that came from the link and does not fit is named in a notice."""
    row = table.BY_NAME[name]
    current = value(name)
    fitted = current
    if choices is not None and current not in choices:
        fitted = default if default is not None else next(iter(choices))
    elif lo is not None and current < lo or hi is not None and current > hi:
        fitted = min(max(current, lo), hi)
    pending = get("link_pending") or set()
    if fitted != current:
        group(row.group)[row.key] = fitted
        if name in pending and row.field:
            where = f"{lo}..{hi}" if choices is None else f"one of {', '.join(map(str, choices))}"
            st.warning("The link was not fully understood: " + table.refused(
                row.field, current, f"does not fit this model and sequence ({where})", fitted) + ".")
    pending.discard(name)
    return fitted


def widget(name: str, *, lo=None, hi=None, choices=None, index=None, label=None, on_change=None, **kwargs):
    """Draw the setting's widget from its row (label, help, range or options) showing its current value;
    returns the value. lo/hi/choices narrow the row's own range for this model (see `fit`); index: one entry
    of an "ints" setting. A setting the link hides is not drawn, and its value still applies."""
    row = table.BY_NAME[name]
    if lo is not None or hi is not None or choices is not None:
        fit(name, lo, hi, choices)
    current = value(name)
    if index is not None:
        current = current[index]
    if row.field and hidden(row.field) or hidden(row.group):
        return current
    key = name if index is None else f"{name}_{index}"
    st.session_state[key] = list(current) if row.kind == "ints" and index is None else current
    args = {**row.widget_args(lo=lo if lo is not None else row.lo, hi=hi if hi is not None else row.hi,
                              choices=choices if choices is not None else row.choices), **kwargs}
    draw = getattr(st, row.widget)
    draw(label or row.label, key=key, on_change=_store, args=(name, index, on_change), **args)
    return value(name) if index is None else value(name)[index]


def tabs(name: str):
    """The tabs of a "tabs" setting, the current one open; a click stores the new tab and reruns, so a page
    computes only the open tab's content (`tab.open`)."""
    row = table.BY_NAME[name]
    st.session_state[name] = fit(name, choices=row.choices)
    return st.tabs(list(row.choices), key=name, on_change=_store, args=(name, None, None))


# ---- the parameters -------------------------------------------------------------------------------------------

def params():
    return st.session_state["params"]


def params_version() -> int:
    return st.session_state.get("params_version", 0)


def replace_params(p) -> None:
    """Make p the session's parameters (edited, trained, loaded or freshly drawn); editors showing the old ones
    reset (their keys carry the version)."""
    st.session_state["params"] = p
    st.session_state["params_version"] = params_version() + 1


# ---- the view a link opened -----------------------------------------------------------------------------------

def hidden(name: str) -> bool:
    """True when the link asked to hide the control or section called name (?hide=seed,scale,weights), or the
    presentation view leaves it out (settings.PRESENT_HIDES)."""
    return name in (get("hide") or ()) or name in table.PRESENT_HIDES and bool(value("view_present"))


def notice(kind: str, text: str) -> None:
    """A message for the top of the page ("warning", "info", "error"), shown by `show_notices` at the start of
    the next page run (a link's problems survive a lesson's switch to its page). text is Markdown made by this
    app; a user's value inside it must be quoted with settings.quote."""
    put("notices", (get("notices") or []) + [(kind, text)])


def show_notices() -> None:
    """Called at the top of every page run: the notices waiting for it, each once."""
    for kind, text in pop("notices") or []:
        getattr(st, kind)(text)


def query_params() -> dict:
    return st.query_params.to_dict()


def set_query_params(query: dict) -> bool:
    """Make the address bar's query `query`; True when it changed."""
    if query == st.query_params.to_dict():
        return False
    st.query_params.from_dict(query)
    return True


def context_url() -> str:
    return (st.context.url or "http://localhost:8501/").split("?")[0]         # no URL in a test harness
