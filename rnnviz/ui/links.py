"""Links that reopen a view: the session restored from the address once, the address kept equal to the
session, the link shown; guided lessons (?lesson=NAME) and hidden controls (?hide=...).

Which fields a link has, and what each may be, is the settings table's (rnnviz.ui.settings); this module adds
the view fields: lesson, hide, and the weights of a model that was edited, trained or loaded (not what its
settings draw): w=, the exact float64 bytes of W_s, b_s, W_o, b_o, s0 base64url-encoded, for a small model
(the link then works without the store), and m=<id> for any larger one, the id of its exact bytes in the
model store that every replica shares (serving.model_store).
"""
import base64
import urllib.parse

import numpy as np
import streamlit as st

from serving import model_store

from ..params import PARAM_NAMES, Params
from . import session
from . import settings as table
from .lessons import LESSONS
from .pages import PAGES
from .model import adopt_params, current_params, model_settings, weights_edited

MAX_LINK_WEIGHTS = 256          # more numbers than this and the link offers the model file instead


def encode_weights(p: Params) -> str | None:
    """W_s, b_s, W_o, b_o, s0 as base64url of their float64 bytes (exact), or None for a model too large."""
    flat = np.concatenate([getattr(p, n).ravel() for n in PARAM_NAMES])
    if flat.size > MAX_LINK_WEIGHTS:
        return None
    return base64.urlsafe_b64encode(flat.astype("<f8").tobytes()).decode("ascii").rstrip("=")


def decode_weights(text: str, like: Params) -> Params:
    """Params shaped like `like` (its sizes and activations) with the weights from encode_weights' text.

    ValueError, saying what is wrong, for text that is not base64, has the wrong length or holds NaN/inf.
    """
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise ValueError("the weights in the link (w=) are not valid base64") from None
    sizes = [getattr(like, n).size for n in PARAM_NAMES]
    if len(raw) != 8 * sum(sizes):
        raise ValueError(f"the weights in the link (w=) hold {len(raw) // 8} numbers; this model needs {sum(sizes)}")
    flat = np.frombuffer(raw, dtype="<f8").astype(np.float64)
    arrays, start = {}, 0
    for name, size in zip(PARAM_NAMES, sizes):
        arrays[name] = flat[start:start + size].reshape(getattr(like, name).shape)
        start += size
    return like.replace(**arrays)                     # validates: NaN or inf is refused with a message


def restore(page_key: str) -> str | None:
    """Once per session, before any widget is drawn: apply the link's settings (over its lesson's), and say
    what it got wrong. Returns the page to switch to: the lesson's, when a lesson link opens the home page."""
    if session.get("restored"):
        return None
    session.put("restored", True)
    query = session.query_params()
    name = query.get("lesson")
    lesson = LESSONS.get(name or "")
    problems = []
    if name is not None and lesson is None:
        problems.append(f"there is no lesson {table.quote(name)} (the lessons are {', '.join(LESSONS)})")
    values, bad = table.parse_query({**(lesson.query if lesson else {}), **query})   # the link's own fields win
    hide, bad_hide = table.parse_hide(query.get("hide", ""))
    problems += bad + bad_hide
    for setting, value in values.items():
        session.set_value(setting, value)
    session.put("link_pending", set(values))
    session.put("lesson", name if lesson else None)
    session.put("hide", hide)
    params = model_settings().init()
    if "w" in query:
        try:
            params = decode_weights(query["w"], params)
        except ValueError as err:
            problems.append(f"{err}; using the weights the seed draws")
    session.put("params_drawn_from", model_settings())
    session.replace_params(params)
    if "m" in query:
        try:
            _open_stored(query["m"])
        except ValueError as err:
            problems.append(f"the model in the link (m={table.quote(query['m'])}) could not be opened: {err}; "
                            "using the weights the seed draws")
    for problem in problems:
        session.notice("warning", f"The link was not fully understood: {problem}.")
    if lesson and page_key != lesson.page and page_key == "home":
        return lesson.page
    return None


def open_lesson(name: str) -> str:
    """Apply lesson `name`'s settings in this session (keeping what the link hides and the presentation view);
    returns its page. For the presentation view's 'Next lesson', which must not start a new session."""
    lesson = LESSONS[name]
    values, _ = table.parse_query(lesson.query)                   # the table's own rows: no problems possible
    for setting, value in values.items():
        session.set_value(setting, value)
    session.put("lesson", name)
    session.put("link_pending", set())
    return lesson.page


def _next_lesson(name: str) -> None:
    session.put("goto_lesson", name)


def presentation_bar(page_key: str) -> None:
    """The presentation view's own controls (its sidebar is gone): leave it, and open the next lesson (key L)."""
    lesson = LESSONS.get(session.get("lesson") or "")
    here = lesson if lesson and lesson.page == page_key else None
    c1, c2, c3 = st.columns([5, 2, 1], vertical_alignment="center")
    with c1:
        st.markdown(f"### {PAGES[page_key].title}" + (f" · {here.title}" if here else ""))
    if here and here.next:
        c2.button(f"Next: {LESSONS[here.next].title}", icon=":material/skip_next:", shortcut="L", key="present_next",
                  on_click=_next_lesson, args=(here.next,), help="the next lesson (keyboard: L)", width="stretch")
    c3.button("Leave", icon=":material/close_fullscreen:", key="present_leave", help="leave the presentation view",
              on_click=session.set_value, args=("view_present", False), width="stretch")
    if here:
        with st.expander("What the class should look at", key="present_lesson"):
            st.markdown(here.caption)


def _open_stored(model_id: str) -> None:
    """Make the stored model the session's, with the sizes and activations it has (the link's own I, H, O,
    f_s, f_o are those of the model that was shared). ValueError saying why it cannot be opened."""
    p = model_store.shared_store().get(model_id)
    adopt_params(p)


def _link_model() -> tuple:
    """({field: value} the link needs for the weights, or {}; what the link does not carry, or None). The
    weights travel when they are not what the settings draw (edited, trained or loaded): inline (w=) when
    small, by their id in the model store (m=) otherwise. Worked out once per version of the parameters."""
    version = session.params_version()
    cached = session.get("link_weights")
    if cached is None or cached[0] != version:
        fields, missing = {}, None
        p = current_params()
        if weights_edited():
            inline = encode_weights(p)
            if inline is not None:
                fields = {"w": inline}
            else:
                try:
                    fields = {"m": model_store.shared_store().put(p, session=session.token())}
                except ValueError as err:                          # ModelStoreError: say why, keep working
                    missing = (f"this model's edited or trained weights ({err}); it reopens the weights the "
                               "seed draws. Download the model file (Export) and open it with 'Open a model "
                               "file' instead")
        cached = (version, fields, missing)
        session.put("link_weights", cached)
    return cached[1], cached[2]


def _query() -> dict:
    """The share link's query: the session's settings, its lesson and hidden controls, and its weights."""
    query = table.to_query(session.all_values())
    if session.get("lesson"):
        query["lesson"] = session.get("lesson")
    if session.get("hide"):
        query["hide"] = ",".join(session.get("hide"))
    query.update(_link_model()[0])
    return query


def sync() -> bool:
    """Write the session's state into the address bar, so that the browser's URL is always the share link;
    True when the link changed."""
    return session.set_query_params(_query())


def sync_part() -> None:
    """sync() at the end of a part of the page that reran alone (an st.fragment). The sidebar's open 'Share this
    view' box, outside the part, would show the old link: when the link changed, the whole page reruns."""
    if sync() and session.get("share_open"):
        st.rerun(scope="app")


def link_box(page_key: str | None = None) -> None:
    """The link to the view as it is now, in a box with a copy button, and what it does not carry."""
    query = urllib.parse.urlencode(_query())                    # as the address bar spells it (sync writes it)
    st.code(session.context_url() + ("?" + query if query else ""), language=None, wrap_lines=True)
    missing = _link_model()[1]
    if page_key == "train":
        missing = ("the network being trained here: it reopens the training settings, and training starts again "
                   "from the seed. 'Open in the other lessons' makes the trained network the model that links "
                   "carry; or download the model file")
    if missing:
        st.caption(f"This link does not carry {missing}.")


def share_panel(page_key: str) -> None:
    """The lesson's caption (on its own page), and the link to this view with a copy button."""
    lesson = LESSONS.get(session.get("lesson") or "")
    if lesson and lesson.page == page_key and not session.value("view_present"):   # presenting: presentation_bar
        st.info(f"**Lesson: {lesson.title}.** {lesson.caption}")
    if session.hidden("share"):
        return
    box = st.sidebar.expander("Share this view", icon=":material/link:", key="share_open", on_change="rerun")
    if not box.open:                               # built when opened: a first view loads no code highlighter
        return
    with box:
        link_box(page_key)
        st.caption("Copy the link (button at the top right of the box): it reopens this page with the same model, "
                   "sequence and step, and the same lesson and hidden controls. The address bar always holds it. "
                   "A teacher can add &hide= with names of controls (their link fields, e.g. seed,scale) or of "
                   f"sections: {', '.join(table.PANELS)}.")
