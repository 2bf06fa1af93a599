"""Each student's work is their own: two sessions at once never see each other's model, steps or weights,
and running the pages mutates no state that lives in an imported module (which every session shares).

Two AppTest sessions run in this one process, exactly as two browser tabs run as threads of one server:
the rnnviz modules they import are the same module objects, so anything one session leaves in a module
global would be seen by the other.
"""
import ast
import dataclasses
import functools
import hashlib
import importlib
import pathlib
import pkgutil
import types

import numpy as np
import pytest

import rnnviz
import rnnviz as rv
from apptest_util import open_page, open_weights, set_model
from figdata import stepper
from rnnviz.ui.model import ModelSettings
from rnnviz.ui import settings as table
from rnnviz.ui.pages import PAGES

ROOT = pathlib.Path(__file__).resolve().parents[1]
STEP, PAD, BPTT, TRAIN = ("step", "padding",
                          "bptt", "train")


def default_params():
    return ModelSettings().init()


def plotted_states(at):
    """The states the step page's stepper draws, (T+1, H)."""
    return stepper(at)["states"]


def shown_sequence(at):
    """(inputs (1, T, I), lengths) as the page sent them to its stepper (pads are zero vectors)."""
    data = stepper(at)
    return data["inputs"][None], np.array([data["length"]])


def step(at, key="step_t"):
    group, name = key.split("_")
    return at.session_state[group][name]


def report_step(at, t, key="step_t"):
    """What a student's browser does when stepping pauses: report the step (the stepper's callback stores it)."""
    group, name = key.split("_")
    at.session_state[group][name] = t
    return at.run()


# ---- two sessions, interleaved ------------------------------------------------------------------------------

def test_model_steps_and_edited_weights_stay_in_their_session():
    a, b = open_page(STEP), open_page(STEP)
    base = plotted_states(b)

    set_model(a, H=5, seed=7, f_s="relu")                                 # a changes its model ...
    b.run()                                                              # ... b reruns in between
    assert b.session_state["model"]["H"] == 3 and b.session_state["model"]["seed"] == 0
    assert b.session_state["params"].equals(default_params())
    np.testing.assert_array_equal(plotted_states(b), base)
    assert plotted_states(a).shape[1] == 5

    for _ in range(3):                                                   # interleaved step clicks
        report_step(a, step(a) + 1)
        b.run()
    report_step(b, step(b) + 1)
    assert step(a) == 3 and step(b) == 1
    report_step(a, step(a) - 1)
    b.run()
    assert step(a) == 2 and step(b) == 1

    open_weights(a)                                                      # a edits one weight by its seed name
    a.selectbox(key="one_weight_name").set_value("W_s00").run()
    a.text_input(key="one_weight_value").set_value("0.123").run()
    assert a.session_state["params"].W_s[0, 0] == 0.123
    b.run()
    assert b.session_state["params"].equals(default_params())
    assert "weights_open" not in b.session_state or not b.session_state["weights_open"]
    np.testing.assert_array_equal(plotted_states(b), base)
    assert not a.exception and not b.exception


def test_two_sessions_editing_at_once_keep_their_own_weights():
    a, b = open_page(STEP), open_page(STEP)
    open_weights(a)
    open_weights(b)
    for at in (a, b):
        at.selectbox(key="one_weight_name").set_value("W_i00").run()
    a.text_input(key="one_weight_value").set_value("0.5")
    b.text_input(key="one_weight_value").set_value("-0.25")
    a.run()
    b.run()
    H = 3
    assert a.session_state["params"].W_s[H, 0] == 0.5
    assert b.session_state["params"].W_s[H, 0] == -0.25
    for at in (a, b):                                                    # each chart is its own model's
        inputs, lengths = shown_sequence(at)
        tr = rv.forward(at.session_state["params"], inputs, lengths)
        np.testing.assert_array_equal(plotted_states(at), tr.states[0])
    assert not np.array_equal(plotted_states(a), plotted_states(b))


def test_trained_weights_stay_in_their_session():
    a, b = open_page(TRAIN), open_page(TRAIN)
    for _ in range(5):
        a.button(key="train_one").click().run()
        b.run()
    ta, tb = a.session_state["train_trainer"], b.session_state["train_trainer"]
    assert ta is not tb
    assert ta.updates == 5 and tb.updates == 0
    assert not ta.params.equals(tb.params)
    a.button(key="train_adopt").click().run()                            # a makes the trained model its model
    assert a.session_state["params"].equals(ta.params)
    b.switch_page(PAGES[STEP].file).run()
    assert b.session_state["params"].equals(default_params())            # b still has the seed's weights
    assert b.session_state["model"] == dataclasses.asdict(ModelSettings())
    b.switch_page(PAGES[TRAIN].file).run()
    assert b.session_state["train_trainer"].updates == 0
    assert not a.exception and not b.exception


def test_padding_and_bptt_settings_stay_in_their_session():
    a, b = open_page(PAD), open_page(PAD)
    a.number_input(key="padding_lengths_0").set_value(12).run()
    a.slider(key="padding_bias").set_value(-0.7).run()
    b.run()
    default = table.BY_NAME["padding_lengths"].default[0]
    assert a.session_state["padding"]["lengths"][0] == 12 and b.session_state["padding"]["lengths"][0] == default
    assert b.session_state["padding"]["bias"] == 0.5
    a.switch_page(PAGES[BPTT].file).run()
    b.switch_page(PAGES[BPTT].file).run()
    report_step(a, step(a, "bptt_n") + 1, "bptt_n")
    report_step(a, step(a, "bptt_n") + 1, "bptt_n")
    b.run()
    assert step(a, "bptt_n") == 2 and step(b, "bptt_n") == 0
    assert not a.exception and not b.exception


# ---- no module-level state is mutated by running the pages -------------------------------------------------

def rnnviz_modules():
    """Every module of the rnnviz package, imported."""
    mods = [rnnviz]
    for info in pkgutil.walk_packages(rnnviz.__path__, prefix="rnnviz."):
        mods.append(importlib.import_module(info.name))
    return mods


def fingerprint(obj, depth=0):
    """A comparable digest of an object's contents (containers, arrays, instances' fields), to depth 6."""
    if depth > 6:
        return ("deep", type(obj).__name__)
    nxt = functools.partial(fingerprint, depth=depth + 1)
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes, range)):
        return obj
    if isinstance(obj, np.ndarray):
        return ("ndarray", obj.dtype.str, obj.shape, hashlib.sha1(np.ascontiguousarray(obj).tobytes()).hexdigest())
    if isinstance(obj, (list, tuple, collections_deque())):
        return (type(obj).__name__, tuple(nxt(v) for v in obj))
    if isinstance(obj, (set, frozenset)):
        return (type(obj).__name__, tuple(sorted(repr(nxt(v)) for v in obj)))
    if isinstance(obj, dict):
        return ("dict", tuple(sorted((repr(k), nxt(v)) for k, v in obj.items())))
    if isinstance(obj, bytearray):
        return ("bytearray", bytes(obj))
    if isinstance(obj, (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                        functools.partial)):
        return ("ref", getattr(obj, "__qualname__", getattr(obj, "__name__", type(obj).__name__)))
    if hasattr(obj, "cache_info") and callable(obj):                   # an lru_cache: its size is shared state
        return ("lru_cache", getattr(obj, "__qualname__", ""))
    if dataclasses.is_dataclass(obj):
        return (type(obj).__name__, tuple((f.name, nxt(getattr(obj, f.name))) for f in dataclasses.fields(obj)))
    if hasattr(obj, "__dict__"):
        return (type(obj).__name__, tuple(sorted((k, nxt(v)) for k, v in vars(obj).items())))
    return ("opaque", type(obj).__name__)


def collections_deque():
    import collections
    return collections.deque


def shared_state():
    """{(module, name): fingerprint} of every module global, class attribute and function default that
    lives in rnnviz — everything that every session of one server shares."""
    out = {}
    for mod in rnnviz_modules():
        for name, value in vars(mod).items():
            if name.startswith("__") or isinstance(value, types.ModuleType):
                continue
            where = (mod.__name__, name)
            if isinstance(value, type) and value.__module__ == mod.__name__:
                for attr, v in vars(value).items():
                    if not attr.startswith("__") and not callable(v) and not isinstance(v, (property, staticmethod,
                                                                                             classmethod)):
                        out[(mod.__name__, f"{name}.{attr}")] = fingerprint(v)
            elif isinstance(value, types.FunctionType) and value.__module__ == mod.__name__:
                out[(mod.__name__, f"{name}.__defaults__")] = fingerprint(value.__defaults__)
                out[(mod.__name__, f"{name}.__kwdefaults__")] = fingerprint(value.__kwdefaults__)
            elif not callable(value) or hasattr(value, "cache_info"):
                out[where] = fingerprint(value)
    return out


def drive_every_page():
    """A student's tour: model edits, steps, weights, padding, BPTT tabs and objectives, training."""
    at = open_page(STEP)
    set_model(at, H=4, seed=3, f_s="relu", s0="learned")
    for _ in range(3):
        report_step(at, step(at) + 1)
    open_weights(at)
    at.text_input(key="one_weight_value").set_value("0.75").run()
    at.switch_page(PAGES[PAD].file).run()
    at.number_input(key="padding_lengths_1").set_value(11).run()
    at.number_input(key="padding_B").set_value(6).run()
    at.radio(key="padding_source").set_value("sentences").run()
    at.switch_page(PAGES[BPTT].file).run()
    report_step(at, step(at, "bptt_n") + 1, "bptt_n")
    for tab in ("Contributions and the proof", "The derivation", "Vanishing and exploding",
                "Truncation and clipping"):
        at.session_state["bptt"]["tab"] = tab
        at.run()
    at.selectbox(key="bptt_objective").set_value("mean squared error").run()
    at.switch_page(PAGES[TRAIN].file).run()
    for _ in range(2):
        at.button(key="train_one").click().run()
    at.button(key="train_adopt").click().run()
    at.switch_page(PAGES[STEP].file).run()
    assert not at.exception, at.exception


def test_running_pages_mutates_no_module_state():
    open_page(STEP)                                                     # import everything the pages import
    before = shared_state()
    drive_every_page()
    after = shared_state()
    changed = sorted(f"{m}.{n}" for (m, n) in before.keys() & after.keys() if before[(m, n)] != after[(m, n)])
    assert not changed, f"module-level state changed by running the pages: {changed}"
    assert before.keys() == after.keys(), sorted(set(after) ^ set(before))


def test_fingerprint_sees_a_mutated_global():
    """The check above would catch a page that appends to a module-level list (a guard for the guard)."""
    before = shared_state()
    rnnviz.ui.settings.PANELS["model"] += " (changed)"
    try:
        after = shared_state()
    finally:
        rnnviz.ui.settings.PANELS["model"] = rnnviz.ui.settings.PANELS["model"].removesuffix(" (changed)")
    assert before[("rnnviz.ui.settings", "PANELS")] != after[("rnnviz.ui.settings", "PANELS")]


# ---- static checks: no `global`, no mutable default arguments, no shared caches --------------------------------

def source_files():
    return sorted([*(ROOT / "rnnviz").rglob("*.py"), *(ROOT / "serving").rglob("*.py"), *(ROOT / "pages").glob("*.py"),
                   ROOT / "app.py"])


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_global_statements_mutable_defaults_or_shared_caches(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            problems.append(f"line {node.lineno}: global {', '.join(node.names)}")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for d in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
                mutable = isinstance(d, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)) or (
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id in ("list", "dict", "set"))
                if mutable:
                    problems.append(f"line {d.lineno}: a mutable default argument is shared by every call")
        if isinstance(node, ast.Attribute) and node.attr == "cache_resource":
            problems.append(f"line {node.lineno}: st.cache_resource returns one object to every session")
    assert not problems, f"{path.relative_to(ROOT)}: {problems}"
