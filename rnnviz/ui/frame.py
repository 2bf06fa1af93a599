"""What every run does around the page it shows: page setup, navigation from the page table, the link."""
import streamlit as st

from serving import nodelay, reclaim

from . import charts, links, model_files, session
from .pages import HOME, PAGES


PRESENT_CSS = """<style>
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"] { display: none; }
  [data-testid="stMainBlockContainer"] { padding: 0.6rem 1.5rem 1rem; max-width: 100%; }
  [data-testid="stMain"] h1 { display: none; }       /* the presentation bar names the page and the lesson */
  [data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.15rem; }
</style>"""                          # the presentation view: no sidebar, the page over the whole screen, larger type


def run() -> None:
    """app.py: the tab's title and a wide layout, the memory reclaimer and replies without Nagle's delay (once
    per process), the navigation, the link's state (once per session, before any widget), the chart code
    loading first on a page with charts, the notices, the address bar kept equal to the share link, the
    sidebar's boxes (share, open a model file, pictures); then the page."""
    st.set_page_config(page_title="rnnviz — RNNs and BPTT", page_icon=":material/replay:", layout="wide")
    reclaim.start()
    nodelay.apply()
    nav = st.navigation([st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path or None, default=key == HOME)
                         for key, p in PAGES.items()])
    key = next(k for k, p in PAGES.items() if p.title == nav.title)
    session.put("page", key)
    target = links.restore(key)
    goto = session.pop("goto_lesson")
    if goto is not None:
        target = links.open_lesson(goto)
    if target is not None and target != key:
        st.switch_page(PAGES[target].file)
    if PAGES[key].charts:
        charts.preload()
    session.show_notices()
    links.sync()
    if session.value("view_present"):
        st.html(PRESENT_CSS)
        links.presentation_bar(key)
    else:
        with st.sidebar:
            session.widget("view_present")
    links.share_panel(key)
    model_files.open_file_panel()
    charts.pictures_panel(key)
    nav.run()
