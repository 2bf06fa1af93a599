"""rnnviz: start with `streamlit run app.py`. Navigation over pages/; each page draws the shared model sidebar."""
import streamlit as st

st.set_page_config(page_title="rnnviz — RNNs and BPTT", page_icon="🔁", layout="wide")
PAGES = [
    st.Page("pages/home.py", title="The RNN", icon="🔁", default=True),
]
page = st.navigation(PAGES)
page.run()
