"""rnnviz: start with `streamlit run app.py`.

Every run goes through rnnviz.ui.frame: the navigation is built from the page table (rnnviz.ui.pages), the
link's state is applied, then the page in app_pages/ that the address names runs (not pages/: Streamlit would
run a file there directly, without this script, when a fresh server is opened at its address).
"""
from rnnviz.ui import frame

frame.run()
