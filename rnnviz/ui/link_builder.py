"""The teachers' link builder: from the current view, a link with a lesson, hidden controls (check boxes made
from the settings table) and the presentation view; shown with a QR code and a live preview."""
import io
import urllib.parse

import segno
import streamlit as st

from . import session
from . import settings as table
from .lessons import LESSONS
from .pages import HOME, PAGES

NONE = "(no lesson: the current view as it is)"


def build_link(base: str, page: str, lesson: str | None, hide: tuple, present: bool, query: dict) -> str:
    """The link: the page's address under base, the view's own fields (query), and the teacher's choices.
    A lesson's page wins over `page` (the lesson opens where it belongs)."""
    fields = {k: v for k, v in query.items() if k not in ("lesson", "hide", "present")}
    if lesson:
        fields["lesson"] = lesson
        page = LESSONS[lesson].page
    if hide:
        fields["hide"] = ",".join(hide)
    if present:
        fields["present"] = "1"
    path = PAGES[page].url_path
    return base.rstrip("/") + "/" + path + ("?" + urllib.parse.urlencode(fields) if fields else "")


def app_root() -> str:
    """The app's address without this page's path (http://host:port/ as the browser sees it)."""
    url = session.context_url()
    path = PAGES[session.get("page") or HOME].url_path
    return url[: -len(path)] if path and url.rstrip("/").endswith(path) else url


def qr_svg(link: str) -> str:
    """A QR code of the link as SVG text (segno: pure Python, no image library)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=8, border=2, dark="#111111")
    return out.getvalue().decode()


def _hide_choices() -> dict:
    """{section title: [(name, label)]}: the panels, then every hideable control by its group."""
    groups = {"Sections": [(name, words) for name, words in table.PANELS.items()]}
    titles = {"model": "Model (sidebar)", "sequence": "Sequence (sidebar)", "step": "Step through time",
              "bptt": "Back-propagation through time", "padding": "Padding and batches", "train": "Training",
              "write": "Training: writing with the model", "view": "View"}
    for row in table.ROWS:
        if row.field in table.HIDEABLE:
            groups.setdefault(titles.get(row.group, row.group), []).append((row.field, row.label))
    return groups


def builder() -> None:
    """Draw the builder; the view it starts from is the session's current one (its link fields)."""
    lessons = [NONE] + list(LESSONS)
    c1, c2 = st.columns([3, 2])
    lesson = c1.selectbox("lesson", lessons, key="builder_lesson",
                          format_func=lambda n: n if n == NONE else f"{LESSONS[n].title} (?lesson={n})")
    pages = [k for k in PAGES if k not in (HOME, "teachers")]
    page = c2.selectbox("page", pages, key="builder_page", format_func=lambda k: PAGES[k].title,
                        disabled=lesson != NONE, help="a lesson opens on its own page")
    present = st.toggle("presentation view (for a projector: no sidebar, larger type, the essentials only)",
                        key="builder_present")
    st.markdown("**Hide from the class**")
    hide = []
    for title, names in _hide_choices().items():
        with st.expander(title, key=f"builder_group_{title}"):
            cols = st.columns(3)
            for k, (name, label) in enumerate(names):
                if cols[k % 3].checkbox(label, key=f"builder_hide_{name}", help=f"link name: {name}"):
                    hide.append(name)
    link = build_link(app_root(), page, None if lesson == NONE else lesson, tuple(hide), present,
                      session.query_params())
    st.markdown("**The link**")
    st.code(link, language=None, wrap_lines=True)
    left, right = st.columns([1, 2])
    with left:
        st.image(qr_svg(link), caption="Show this to the class: phones open the link.", width=260)
    with right:
        st.caption("The view starts from what you see now in the other lessons (model, sequence, step and every "
                   "setting), then the lesson's own settings. Students' changes stay in their own session.")
    if st.toggle("preview: what students will see", key="builder_preview"):
        st.iframe(link, height=720)
