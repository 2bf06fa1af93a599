"""For teachers: build a link for a class from the current view (lesson, hidden controls, presentation view),
with a QR code and a live preview."""
import streamlit as st

from rnnviz import ui
from rnnviz.ui import link_builder

ui.model_sidebar(draw=False)
st.title("A link for your class")
st.markdown("Set up the view in the lessons (model, sequence, step), then come here: pick a guided lesson, what "
            "to hide from the students and whether to use the presentation view. Share the link, or show the QR "
            "code on the projector.")
link_builder.builder()
