"""What every run does around the page it shows: page setup, navigation from the page table, the link."""
import streamlit as st

from serving import reclaim

from . import links, model_files, session
from .pages import HOME, PAGES


def run() -> None:
    """app.py: the tab's title and a wide layout, the memory reclaimer (once per process), the navigation,
    the link's state (once per session, before any widget), the notices, the address bar kept equal to the
    share link, the share panel; then the page."""
    st.set_page_config(page_title="rnnviz — RNNs and BPTT", page_icon=":material/replay:", layout="wide")
    reclaim.start()
    nav = st.navigation([st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path or None, default=key == HOME)
                         for key, p in PAGES.items()])
    key = next(k for k, p in PAGES.items() if p.title == nav.title)
    target = links.restore(key)
    if target is not None:
        st.switch_page(PAGES[target].file)
    session.show_notices()
    links.sync()
    links.share_panel(key)
    model_files.open_file_panel()
    nav.run()
