"""The Streamlit app (the only part of rnnviz that imports streamlit): the settings table (settings), the one
owner of the session's state (session), the page table (pages), links and lessons, and the panels pages draw.

Per-user state lives in st.session_state, read and written only by rnnviz.ui.session; nothing here keeps
module-level mutable state.
"""
from . import session
from .batch_controls import batch_controls
from .bptt_panel import backward_step, objective_controls
from .export_panel import export_panel
from .lessons import LESSONS
from .model import ModelSettings, adopt_params, model_settings, model_sidebar, show_source
from .pages import HOME, PAGES
from .sequence import sequence_controls
from .session import tabs, widget
from .settings import LIMITS
from .step_panel import step_arithmetic
from .stepper import play_controls, stepper
from .weights import weight_editors

__all__ = ["HOME", "LESSONS", "LIMITS", "ModelSettings", "PAGES", "adopt_params", "backward_step", "batch_controls",
           "export_panel", "model_settings", "model_sidebar", "objective_controls", "play_controls",
           "sequence_controls", "session", "show_source", "step_arithmetic", "stepper", "tabs", "weight_editors",
           "widget"]
