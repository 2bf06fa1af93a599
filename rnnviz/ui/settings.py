"""Every setting of the app, one row each: the table that drives widgets, links, validation and `hide=`.

As in TensorFlow Playground's state.ts, a row says everything about one setting: its group (where it lives
in the session), its field in the link, its type, default, allowed values, label and help, and the widget
that shows it. `parse_query` and `to_query` read and write links from the table alone; `check` refuses what
a row does not allow, with a message naming the field, the value and what was used instead. This module
does not import streamlit (rnnviz.ui.session draws the widgets from these rows).

    value kinds:  int, float, bool, str, "ints" (comma-separated integers), "strs" (comma-separated names)
"""
import dataclasses
import math
import re

from .. import activations, batching, bptt, presets, tasks, training

# ---- limits: sizes one session may ask for (they bound memory and the time of one rerun) -----------------
LIMITS = {"I": 32, "H": 64, "O": 32}
MAX_PADS = 50
MAX_STEPS = presets.MAX_T + MAX_PADS
MAX_TRAIN_LENGTH = 30
MAX_SEED = 2**31 - 1

TABS = ("Step backward", "Contributions and the proof", "The derivation", "Vanishing and exploding",
        "Truncation and clipping")
CLIPS = ("no clipping", "element-wise", "global norm")
PAD_SOURCES = {"random": "random vectors, lengths you choose", "sentences": "typed sentences, one per line"}
TASK_TITLES = {"sum": "Sum of digits (regression)", "parity": "Parity / count of ones (classification)",
               "sentiment": "Toy sentiment (classification)", "next_char": "Next character (classification)"}
STRATEGIES = {"bucket": "group by length (no pads)", "pad": "pad and mask"}
INSIDE_SOURCES = {"train": "the Train page's network (or one trained here)",
                  "current": "the current model (an opened file)"}
INSIDE_SORTS = {"hidden": "by the hidden variable at the last step", "unit": "by the unit's value at the last step",
                "length": "by length", "none": "unsorted"}
RUN_DEFAULTS = {"sum": 10000, "parity": 3000, "sentiment": 3000, "next_char": 3000}   # enough to see it learn


def task_defaults(name: str, **options) -> dict:
    """The training settings a task starts with: its recommended lengths, H, f_s, learning rate, training set
    size, and how many updates one Start runs."""
    t = tasks.make_task(name, **options)
    return {"lengths": (t.lengths[0], t.lengths[-1]), "H": t.state_size, "f_s": t.f_s, "lr": t.lr,
            "lr_halflife": t.lr_halflife, "n_train": t.n_train, "run_updates": RUN_DEFAULTS[name]}


_SUM = task_defaults("sum")


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting. group/key: where it lives in the session (st.session_state[group][key]); its widget's key
    is f"{group}_{key}". field: its name in links and in `hide=` (None: not carried by links). choices or
    lo..hi: what it may be; widget: the st.* function that shows it; step, max_len, count, labels: widget
    details (labels: {value: words} shown for a choice). widget "stepper": drawn by the in-browser stepper
    (rnnviz.ui.stepper), not by an st.* widget."""
    group: str
    key: str
    field: str | None
    kind: object
    default: object
    label: str
    help: str | None = None
    widget: str = "number_input"
    choices: tuple | None = None
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    max_len: int | None = None
    count: tuple | None = None            # (fewest, most) numbers in an "ints" value
    labels: dict | None = None

    @property
    def name(self) -> str:
        return f"{self.group}_{self.key}"

    @property
    def page(self) -> str | None:
        """The page that draws it (a key of rnnviz.ui.pages.PAGES); None: the sidebar of every lesson."""
        return GROUP_PAGES[self.group]

    def widget_args(self, **dynamic) -> dict:
        """The widget's own arguments (range, options, format) from the row; dynamic ones (lo, hi, choices that
        depend on the model) override the row's."""
        lo, hi = dynamic.get("lo", self.lo), dynamic.get("hi", self.hi)
        choices = dynamic.get("choices", self.choices)
        args = {"help": self.help}
        if self.widget in ("selectbox", "radio", "select_slider"):
            args["options"] = list(choices)
            if self.labels:
                args["format_func"] = lambda v, labels=self.labels: labels.get(v, str(v))
        elif self.widget in ("number_input", "slider"):
            args.update(min_value=lo, max_value=hi)
            if self.step is not None:
                args["step"] = self.step
        elif self.widget in ("text_input", "text_area") and self.max_len is not None:
            args["max_chars"] = self.max_len
        return args


GROUP_PAGES = {"model": None, "sequence": None, "step": "step", "bptt": "bptt", "padding": "padding",
               "train": "train", "write": "train", "view": None, "inside": "inside"}


def _row(group, key, field, kind, default, label, **kw) -> Setting:
    return Setting(group, key, field, kind, default, label, **kw)


def _choice(group, key, field, choices, default, label, widget="selectbox", **kw) -> Setting:
    return Setting(group, key, field, type(default), default, label, widget=widget, choices=tuple(choices), **kw)


ROWS = (
    # ---- the model (sidebar of every lesson but training) ----
    _row("model", "I", "I", int, 2, "I", lo=1, hi=LIMITS["I"], help="I: the number of inputs in each vector iᵗ"),
    _row("model", "H", "H", int, 3, "H", lo=1, hi=LIMITS["H"], help="H: the number of state units in sᵗ"),
    _row("model", "O", "O", int, 1, "O", lo=1, hi=LIMITS["O"], help="O: the number of outputs in o"),
    # labels are plain text, no $…$: a label with maths makes every page load KaTeX (259 KiB) on its first view
    _choice("model", "f_s", "f_s", activations.STATE_ACTIVATIONS, "tanh", "state activation f_s"),
    _choice("model", "f_o", "f_o", activations.OUTPUT_ACTIVATIONS, "identity", "output activation f_o"),
    _row("model", "scale", "scale", float, 1.0, "weight scale", widget="slider", lo=0.1, hi=3.0, step=0.1,
         help="weights are drawn from N(0, scale² / fan-in); larger means stronger recurrence"),
    _row("model", "seed", "seed", int, 0, "weight seed", lo=0, hi=MAX_SEED,
         help="the random seed of the weights: the same seed draws the same W_s, W_o (and a learned s0); the "
              "random inputs have their own seed under Sequence"),
    _choice("model", "s0", "s0", ("zeros", "learned"), "zeros", "initial state s⁰", widget="radio",
            help="zeros: s⁰ = 0 as in the lesson text; learned: a vector s0 that training can change "
                 "(it starts random)"),
    # ---- the sequence (sidebar) ----
    _choice("sequence", "preset", "seq", presets.PRESETS, "random vectors", "input sequence"),
    _row("sequence", "T", "T", int, 6, "length T (real steps)", lo=0, hi=presets.MAX_T),
    _row("sequence", "seed", "iseed", int, 0, "input seed", lo=0, hi=MAX_SEED,
         help="the random seed of the random input vectors (here and on the padding page); the weights keep "
              "theirs, so a new input seed is new data for the same network"),
    _row("sequence", "text", "text", str, "hello", "text (one character per step)", widget="text_input",
         max_len=presets.MAX_T),
    _row("sequence", "digits", "digits", str, "31415", "digits (one per step)", widget="text_input",
         max_len=presets.MAX_T),
    _row("sequence", "pads", "pads", int, 2, "pad vectors after it", lo=0, hi=MAX_PADS,
         help="pads make the sequence longer without changing it: the state is copied"),
    # ---- stepping forward (step page) and backward (BPTT page) ----
    _row("step", "t", "t", int, 0, "step t", widget="stepper", lo=0, hi=MAX_STEPS),
    _row("step", "reveal", "future", bool, False, "show the states not computed yet (faded)", widget="toggle",
         help="off: a state appears when its step is computed; on: all of them, the later ones faded"),
    _row("bptt", "n", "n", int, 0, "steps back-propagated", widget="stepper", lo=0, hi=MAX_STEPS),
    _row("bptt", "reveal", "bfuture", bool, False, "show the δ not computed yet (faded)", widget="toggle",
         help="off: δᵗ appears when back-propagation reaches step t; on: all of them, the earlier ones faded"),
    # ---- what the BPTT page differentiates, and its tabs ----
    _choice("bptt", "objective", "obj", bptt.OBJECTIVES, bptt.OBJECTIVES[0], "differentiate",
            help="output component: the lesson text's do_k/dW; or a loss against a target"),
    _row("bptt", "k", "k", int, 0, "component k of o", lo=0, hi=LIMITS["O"] - 1),
    _row("bptt", "label", "label", int, 0, "correct class (label)", lo=0, hi=LIMITS["O"] - 1),
    _row("bptt", "target", "target", str, "", "target y (O numbers, separated by commas; empty: all 0)",
         widget="text_input", max_len=LIMITS["O"] * 24),
    _choice("bptt", "tab", "tab", TABS, TABS[0], "section", widget="tabs"),
    _row("bptt", "element", "el", str, "W_s00", "weight", widget="selectbox", max_len=12,
         help="named as in the lesson text: W_s·· are the state rows of W_s, W_i·· its input rows"),
    _row("bptt", "unfold", "unfold", int, 1, "steps unfolded by the product rule", lo=0, hi=MAX_STEPS,
         help="each click of + expands the state of the step before, s^{t−1}, by the product rule"),
    _row("bptt", "contrib_t", "tc", int, 1, "step t whose copy to show", widget="slider", lo=1, hi=MAX_STEPS),
    _row("bptt", "first", "tfirst", int, MAX_STEPS, "first of the 50 steps shown", widget="slider", lo=1,
         hi=MAX_STEPS, help="a sequence longer than 50 steps shows its copies 50 steps at a time (default: the last)"),
    _row("bptt", "trunc_k", "trunc", int, presets.MAX_T, "truncate BPTT after k steps", widget="slider", lo=0,
         hi=presets.MAX_T, help="back-propagate only through the sequence's last k real steps (pads have "
                                "nothing to drop)"),
    _choice("bptt", "clip_mode", "clip", CLIPS, CLIPS[0], "then clip the gradient", widget="radio"),
    _row("bptt", "clip_c", "c", float, 1.0, "clipping threshold c", lo=1e-6, hi=1e6),
    _row("bptt", "rescale", "rescale", bool, False, "rescale to a chosen ρ",
         widget="toggle", help="ρ, the spectral radius of W_s's state rows, decides whether gradients shrink or "
                               "grow over steps; on: the state rows are scaled to the ρ of the slider"),
    _row("bptt", "rho", "rho", float, 1.0, "spectral radius ρ of the state rows of W_s", widget="slider",
         lo=0.05, hi=3.0, step=0.05),
    # ---- the padding page's batch ----
    _choice("padding", "source", "pb_source", PAD_SOURCES, "random", "the batch", widget="radio",
            labels=PAD_SOURCES),
    _row("padding", "B", "pb_B", int, 4, "sequences B", lo=1, hi=batching.MAX_B,
         help=f"how many sequences the batch holds (1 to {batching.MAX_B})"),
    _row("padding", "lengths", "pb_lengths", "ints", (6, 3, 6, 3, 8, 1, 5, 2), "length", lo=0,
         hi=batching.MAX_LEN, count=(batching.MAX_B, batching.MAX_B),
         help=f"real steps of this sequence (0 to {batching.MAX_LEN}; 0 = only pads)"),
    _row("padding", "text", "pb_text", str, "the cat sat\nthe hat\na cat", "sentences, one per line",
         widget="text_area", max_len=2000,
         help=f"each line is one sequence and each character one step (at most {batching.MAX_B} lines of "
              f"{batching.MAX_LEN} characters); an empty line is a sequence of length 0"),
    _row("padding", "extra", "pb_extra", int, 0, "extra pad steps after the longest", lo=0, hi=8,
         help="T = the longest length + this many. More pads: more drift without the mask, more wasted cells"),
    _row("padding", "bias", "pb_bias", float, 0.5, "add to every entry of b_s (this page only)", widget="slider",
         lo=-1.0, hi=1.0, step=0.1, help="The sidebar's model starts with b_s = 0; a bias makes a zero input move "
                                         "the state, so the drift without the mask is easy to see. Your model and "
                                         "the other pages keep their b_s."),
    _choice("padding", "tab", "pb_tab", ("One padded batch", "The states, with and without the mask", "The proof",
                                         "Two ways to make minibatches"), "One padded batch", "section", widget="tabs"),
    # ---- the training lab ----
    _choice("train", "task", "tr_task", TASK_TITLES, "sum", "task", labels=TASK_TITLES),
    _choice("train", "encoding", "tr_enc", tasks.ENCODINGS, "digit/9", "each digit d is read as", widget="radio",
            labels={"digit/9": "one number d/9", "one-hot": "one-hot (10)"},
            help="d/9 (I = 1) trains fastest: the exact answer is one running total with one input weight"),
    _row("train", "modulus", "tr_mod", int, 2, "count the ones modulo m (2 = parity)", lo=2, hi=8),
    _row("train", "lengths", "tr_lengths", "ints", _SUM["lengths"], "training lengths", widget="slider", lo=1,
         hi=MAX_TRAIN_LENGTH, count=(2, 2),
         help="training sequences have lengths drawn from this range; the test goes up to twice the longest"),
    _choice("train", "n_train", "tr_n", (200, 500, 1000, 2000, 5000, 10000), _SUM["n_train"], "training sequences",
            widget="select_slider"),
    _row("train", "H", "tr_H", int, _SUM["H"], "state units H", widget="slider", lo=1, hi=LIMITS["H"]),
    _choice("train", "f_s", "tr_f_s", activations.STATE_ACTIVATIONS, _SUM["f_s"], "state activation f_s",
            help="for sums choose relu or identity: tanh keeps every state unit between -1 and 1"),
    _row("train", "learn_s0", "tr_s0", bool, False, "learn the initial state s⁰", widget="checkbox"),
    _row("train", "seed", "tr_seed", int, 0, "seed", lo=0, hi=MAX_SEED,
         help="the random seed of the training run: initial weights, data and minibatch order"),
    _choice("train", "optimizer", "tr_opt", training.OPTIMIZERS, "adam", "optimizer", widget="radio",
            labels={"adam": "Adam", "sgd": "SGD + momentum"}),
    _choice("train", "lr", "tr_lr", (0.0003, 0.001, 0.003, 0.005, 0.01, 0.03, 0.1, 0.3, 1.0), _SUM["lr"],
            "learning rate", widget="select_slider"),
    _choice("train", "lr_halflife", "tr_half", (0, 500, 1000, 2000, 5000, 10000), _SUM["lr_halflife"],
            "the learning rate halves every", widget="select_slider",
            labels={0: "never", **{h: f"{h:,} updates" for h in (500, 1000, 2000, 5000, 10000)}},
            help="a shrinking step lets the weights settle instead of jittering around the answer"),
    _choice("train", "momentum", "tr_mom", (0.0, 0.5, 0.9, 0.99), 0.9, "momentum", widget="select_slider"),
    _choice("train", "batch_size", "tr_batch", (1, 4, 8, 16, 32, 64, 128), 32, "minibatch size",
            widget="select_slider"),
    _choice("train", "clip", "tr_clip", (0.0, 0.1, 0.3, 1.0, 3.0, 10.0), 1.0, "clip the gradient norm at",
            widget="select_slider", labels={0.0: "off"},
            help="if the gradient of all parameters together is longer than this, scale it down to it"),
    _choice("train", "strategy", "tr_strat", STRATEGIES, "bucket", "minibatches", widget="radio", labels=STRATEGIES,
            help="the lesson text's two ways: batches of one length, or padded batches whose pads copy the state"),
    _choice("train", "run_updates", "tr_run", (100, 300, 1000, 3000, 10000, 30000), _SUM["run_updates"],
            "updates per Start", widget="select_slider", help="Start trains this many updates (or until Pause)"),
    # ---- the view ----
    _row("view", "present", "present", bool, False, "presentation view", widget="toggle",
         help="for a projector: no sidebar, larger type, only the stepper and what it shows; keys N, B, P, "
              "Home, End step and play, L opens the next lesson"),
    # ---- writing with the trained next-character model ----
    _row("write", "prompt", "wr_prompt", str, "the light ", "start with", widget="text_input", max_len=60),
    _row("write", "temperature", "wr_temp", float, 0.7, "temperature", widget="slider", lo=0.1, hi=2.0, step=0.1,
         help="low: always the likeliest next character (repetitive); high: more surprising, more misspelt"),
    # ---- inside a trained RNN ----
    _choice("inside", "source", "in_src", INSIDE_SOURCES, "train", "the network to look inside", widget="radio",
            labels=INSIDE_SOURCES, help="the current model is used when its sizes fit one of the tasks"),
    _choice("inside", "task", "in_task", TASK_TITLES, "sum", "task of the network trained here", labels=TASK_TITLES,
            help="used when the Train page has not trained a network in this session"),
    _row("inside", "rank", "in_rank", int, 1, "unit shown, by rank (1 = follows the hidden variable best)", lo=1,
         hi=LIMITS["H"], help="units ranked by |r|, their correlation with the hidden variable over all real steps"),
    _choice("inside", "sort", "in_sort", INSIDE_SORTS, "hidden", "sort the sequences", labels=INSIDE_SORTS),
    _row("inside", "beyond", "in_long", int, 20, "longest test length (beyond the trained ones)", widget="slider",
         lo=2, hi=2 * MAX_TRAIN_LENGTH, help="sequences from just past the longest trained length up to this"),
    _row("inside", "digits", "in_digits", str, "3 1 4 1 5 9 2 6 5 3 5 8", "your digits (one per step)",
         widget="text_input", max_len=120),
    _row("inside", "bits", "in_bits", str, "1 1 0 1 0 0 1 1 1 0", "your bits, 0 or 1 (one per step)",
         widget="text_input", max_len=120),
    _row("inside", "words", "in_words", str, "the film was not good and the plot is really clever",
         "your sentence (one word per step)", widget="text_input", max_len=400),
    _row("inside", "chars", "in_chars", str, "the light ", "your text (one character per step)", widget="text_input",
         max_len=60),
    _row("inside", "k", "in_k", int, 5, "top k", lo=1, hi=10, help="how many of the likeliest next characters"),
    _row("inside", "temperature", "in_temp", float, 0.7, "temperature", widget="slider", lo=0.1, hi=2.0, step=0.1,
         help="low: always the likeliest next character (repetitive); high: more surprising, more misspelt"),
    _row("inside", "t", "in_t", int, 0, "step t", widget="stepper", lo=0, hi=MAX_STEPS),
    _row("inside", "reveal", "in_future", bool, False, "show the states not computed yet (faded)", widget="toggle",
         help="off: a state appears when its step is computed; on: all of them, the later ones faded"),
)
BY_NAME = {row.name: row for row in ROWS}
BY_FIELD = {row.field: row for row in ROWS if row.field}
GROUPS = tuple(dict.fromkeys(row.group for row in ROWS))

# Sections and panels a teacher's link can hide besides single settings (hide=model,weights,...).
PANELS = {
    "model": "the model controls in the sidebar", "sequence": "the sequence controls in the sidebar",
    "weights": "the weight editors", "inputs": "the input-vector editor", "step_link": "the link button beside "
    "the step controls", "share": "the 'Share this view' box", "export": "the Export panel",
    "source": "the code behind the page", "open": "the 'Open a model file' box",
    "pictures": "the 'Pictures for your notes' box",
    "intro": "the page's introduction (the paragraphs under its title)",
}
PRESENT_HIDES = ("model", "sequence", "weights", "inputs", "share", "export", "source", "open", "pictures", "intro",
                 "step_link", "future", "bfuture")                 # what the presentation view leaves out: a class needs none of it
UNHIDEABLE = ("tabs", "stepper")          # a tab bar and the in-browser stepper stay: the page is built on them
HIDEABLE = tuple(PANELS) + tuple(f for f, row in BY_FIELD.items() if row.widget not in UNHIDEABLE)
VIEW_FIELDS = ("lesson", "hide", "w", "m")             # link fields that are not settings (links.py reads them)

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # control characters other than tab and newline


def quote(value, limit: int = 60) -> str:
    """A value for a message that Streamlit renders as Markdown: an inline code span (no Markdown, HTML, links or
    images inside), with a fence longer than any run of backticks in the value; long values are cut."""
    text = str(value)
    text = text if len(text) <= limit else text[:limit] + "…"
    text = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).replace("\n", "⏎")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def _parse_number(kind, text: str):
    value = kind(text.strip())
    if kind is float and not math.isfinite(value):
        raise ValueError
    return value


def _parse(row: Setting, text: str):
    """The typed value of a link's text for this row; ValueError with the reason when it cannot be read."""
    if row.kind is bool:
        if text not in ("0", "1"):
            raise ValueError("is not 0 or 1")
        return text == "1"
    if row.kind in (int, float):
        try:
            return _parse_number(row.kind, text)
        except (ValueError, OverflowError):
            raise ValueError(f"is not {'a whole number' if row.kind is int else 'a finite number'}") from None
    if row.kind == "ints":
        try:
            return tuple(int(v) for v in text.split(","))
        except ValueError:
            raise ValueError("is not whole numbers separated by commas") from None
    return text


def check(row: Setting, value):
    """value when the row allows it; ValueError saying why not otherwise."""
    if row.choices is not None:
        if value not in row.choices:
            shown = ", ".join(map(str, row.choices))
            raise ValueError(f"is not one of the choices ({shown})")
        return value
    if row.kind == "ints":
        lo_n, hi_n = row.count
        if not lo_n <= len(value) <= hi_n:
            raise ValueError(f"has {len(value)} numbers; it needs {lo_n if lo_n == hi_n else f'{lo_n} to {hi_n}'}")
        if any(not row.lo <= v <= row.hi for v in value):
            raise ValueError(f"has a number outside {row.lo}..{row.hi}")
        if row.widget == "slider" and list(value) != sorted(value):
            raise ValueError("must go from the smaller to the larger number")
        return tuple(value)
    if row.kind is str:
        if row.max_len is not None and len(value) > row.max_len:
            raise ValueError(f"is {len(value)} characters long; at most {row.max_len} fit")
        if CONTROL.search(value):
            raise ValueError("holds a control character")
        return value
    if row.lo is not None and not row.lo <= value <= row.hi:
        raise ValueError(f"is outside {row.lo:g}..{row.hi:g}")
    return value


def _write(row: Setting, value) -> str:
    if row.kind is bool:
        return "1" if value else "0"
    if row.kind is float:
        return repr(float(value))
    if row.kind == "ints":
        return ",".join(str(int(v)) for v in value)
    return str(value)


def refused(field: str, text: str, reason: str, used) -> str:
    """The message for a link value that was not used (Markdown-safe: the value is quoted)."""
    return f"{field}={quote(text)} {reason}; using {quote(used)}"


def parse_query(query: dict) -> tuple:
    """({setting name: typed value}, problems) for the settings a link's query carries; a value that its row
    refuses is left out and named in problems (with the default used instead). Fields that are no setting and
    not one of VIEW_FIELDS are named too."""
    values, problems = {}, []
    for field, text in query.items():
        row = BY_FIELD.get(field)
        if row is None:
            if field not in VIEW_FIELDS:
                problems.append(f"{quote(field)} is not a setting of this app; it was ignored")
            continue
        try:
            values[row.name] = check(row, _parse(row, text))
        except ValueError as err:
            problems.append(refused(field, text, str(err), _shown_default(row)))
    return values, problems


def parse_hide(text: str) -> tuple:
    """(names to hide, problems) from a link's hide= field: names of HIDEABLE, comma-separated."""
    names, problems = [], []
    for name in (v.strip() for v in text.split(",")):
        if name in HIDEABLE:
            names.append(name)
        elif name:
            problems.append(f"hide={quote(name)} names no control or section; the ones a link can hide are "
                            f"{quote(', '.join(HIDEABLE), limit=2000)}")
    return tuple(dict.fromkeys(names)), problems


def _shown_default(row: Setting):
    return _write(row, row.default) if row.kind == "ints" else row.default


def to_query(values: dict) -> dict:
    """{link field: text} for every linked setting in values ({setting name: value})."""
    return {row.field: _write(row, values[row.name]) for row in ROWS if row.field and row.name in values}


def defaults(group: str) -> dict:
    """{key: default} of one group's settings."""
    return {row.key: row.default for row in ROWS if row.group == group}
