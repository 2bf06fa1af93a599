"""The Streamlit app (the only part of rnnviz that imports streamlit): the settings table (settings), the one
owner of the session's state (session), the page table (pages), links and lessons, and the panels pages draw.

Per-user state lives in st.session_state, read and written only by rnnviz.ui.session; nothing here keeps
module-level mutable state.
"""
from . import session
from .batch_controls import batch_controls
from .bptt_panel import objective_controls
from .charts import chart
from .export_panel import export_panel, padding_export
from .fragments import rerun_alone
from .lessons import LESSONS
from .model import ModelSettings, adopt_params, intro, model_settings, model_sidebar, presenting, show_source
from .pages import HOME, PAGES
from .sequence import sequence_controls
from .session import tabs, widget
from .settings import LIMITS
from .stepper import stepper
from .weights import weight_editors

__all__ = ["HOME", "LESSONS", "LIMITS", "ModelSettings", "PAGES", "adopt_params", "batch_controls", "chart",
           "padding_export", "rerun_alone",
           "export_panel", "intro", "model_settings", "presenting", "model_sidebar", "objective_controls", 
           "sequence_controls", "session", "show_source", "stepper", "tabs", "weight_editors",
           "widget"]
