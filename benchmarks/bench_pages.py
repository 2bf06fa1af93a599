"""Server-side time of a page rerun, measured with Streamlit's AppTest in this process.

    python benchmarks/bench_pages.py [--repeats N]

For each case the script changes something (the step the in-browser stepper reports after a pause, say)
and times the whole rerun of the page script, medians over N repetitions. Steps themselves happen in the
browser and cost the server nothing; a pause reports the step, which AppTest stands in for by storing it
where the component's callback would (st.session_state[group][key]) and rerunning. AppTest reruns the full
script even for a change inside a fragment, so a pause's time here is an upper bound on the fragment rerun
a browser triggers; it also includes AppTest's own parsing of the result (a few ms). Targets (issue 3/4):
at the default model <= 50 ms; a full rerun at T = 1000, H = 64 <= 1 s.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from apptest_util import open_page, set_model  # noqa: E402
from figdata import stepper  # noqa: E402


def timed(at, action, repeats):
    """Median and max seconds of `action(at)` followed by a rerun."""
    times = []
    for _ in range(repeats):
        action(at)
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return np.median(times), np.max(times)


def pause_after_steps(name, steps=3):
    """What a pause after `steps` steps in the browser sends: the new step, stored by the component's
    callback (setting `name`, e.g. "step_t": st.session_state["step"]["t"]); back to 0 past the end."""
    group, key = name.split("_", 1)

    def act(at):
        data = stepper(at, f"{group}_stepper")
        at.session_state[group][key] = (data["step"] + steps) % (data["T"] + 1)
    return act


def long_sequence(at, H=64, T=1000):
    set_model(at, H=H)
    at.number_input(key="sequence_T").set_value(T).run()
    return at


def long_sequence_tab(tab):
    def setup(at):
        long_sequence(at)
        at.session_state["bptt"]["tab"] = tab
        return at.run()
    return setup


def rerun(at):
    """A full rerun with nothing changed (what any control outside a fragment costs)."""


CASES = [
    # (name, page, setup, action, target seconds or None)
    ("step page: pause, default model", "step", None, pause_after_steps("step_t"), 0.050),
    ("step page: pause, T=1000 H=64", "step", long_sequence, pause_after_steps("step_t"), 1.0),
    ("BPTT page: backward pause, default model", "bptt", None, pause_after_steps("bptt_n"), 0.050),
    ("BPTT page: backward pause, T=1000 H=64", "bptt", long_sequence, pause_after_steps("bptt_n"), 1.0),
    ("BPTT page: contributions tab, T=1000 H=64", "bptt",
     long_sequence_tab("Contributions and the proof"), rerun, 1.0),
    ("BPTT page: vanishing tab, T=1000 H=64", "bptt",
     long_sequence_tab("Vanishing and exploding"), rerun, 1.0),
    ("BPTT page: truncation tab, T=1000 H=64", "bptt",
     long_sequence_tab("Truncation and clipping"), rerun, 1.0),
    ("padding page: rerun, default batch", "padding", None, rerun, None),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=15)
    a = ap.parse_args()
    print(f"{'case':45s} {'median ms':>10s} {'max ms':>8s} {'target ms':>10s}")
    for name, page, setup, action, target in CASES:
        at = open_page(page, timeout=60)
        if setup:
            setup(at)
        med, worst = timed(at, action, a.repeats)
        goal = "-" if target is None else f"{target * 1e3:.0f}"
        print(f"{name:45s} {med * 1e3:10.1f} {worst * 1e3:8.1f} {goal:>10s}")


if __name__ == "__main__":
    main()
