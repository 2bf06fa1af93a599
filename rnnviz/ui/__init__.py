"""Streamlit helpers shared by the pages (the only part of rnnviz that imports streamlit).

Per-user state lives in st.session_state; nothing here keeps module-level mutable state.
"""
from .batch_controls import batch_controls
from .bptt_panel import backward_step, objective_controls
from .export_panel import export_panel
from .model import LIMITS, ModelSettings, model_sidebar, page_setup, replace_params, show_source
from .sequence import sequence_controls
from .state import choice_default, number_default
from .step_panel import step_arithmetic
from .stepper import play_controls, stepper
from .training_controls import adopt_params
from .weights import weight_editors

__all__ = ["LIMITS", "ModelSettings", "adopt_params", "backward_step", "batch_controls", "choice_default",
           "export_panel", "model_sidebar", "number_default", "objective_controls", "page_setup", "play_controls",
           "replace_params", "sequence_controls", "show_source", "step_arithmetic", "stepper", "weight_editors"]
