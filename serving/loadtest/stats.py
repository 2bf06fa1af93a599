"""Figures of a load run: latency percentiles, errors, reruns per second."""
from __future__ import annotations

import collections
import math


def percentile(values, q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between closest ranks; None for no values."""
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summarise(interactions, seconds: float | None = None) -> dict:
    """{interactions, reruns_per_s, p50_ms, p95_ms, p99_ms, max_ms, errors, exceptions, by_action: {...}}.

    Latency is send -> script_finished of the interactions that finished; errors counts interactions that
    timed out or lost their connection, exceptions those whose page showed an exception element.
    "actions" has the latency percentiles of what students did themselves: every interaction but the
    live training view's timer reruns ("tick"), which wait for the training that the last one started in a
    worker (up to the page's budget, rnnviz.ui.train_run.BUDGET) by design.
    """
    items = list(interactions)
    lat = [it.latency * 1000 for it in items if it.latency is not None]
    acted = [it.latency * 1000 for it in items if it.latency is not None and it.action != "tick"]
    if seconds is None and items:
        seconds = max(it.start + (it.latency or 0) for it in items) - min(it.start for it in items)
    out = {
        "interactions": len(items),
        "reruns_per_s": (len(lat) / seconds) if seconds else None,
        "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95), "p99_ms": percentile(lat, 99),
        "max_ms": max(lat) if lat else None,
        "actions": {"n": len(acted), "p50_ms": percentile(acted, 50), "p95_ms": percentile(acted, 95),
                    "p99_ms": percentile(acted, 99)},
        "errors": sum(1 for it in items if it.error),
        "exceptions": sum(1 for it in items if it.exceptions),
        "error_samples": sorted({it.error for it in items if it.error})[:5],
        "exception_samples": sorted({e for it in items for e in it.exceptions})[:5],
    }
    groups = collections.defaultdict(list)
    for it in items:
        groups[_group(it.action)].append(it)
    out["by_action"] = {name: {"n": len(g),
                               "p50_ms": percentile([i.latency * 1000 for i in g if i.latency is not None], 50),
                               "p95_ms": percentile([i.latency * 1000 for i in g if i.latency is not None], 95),
                               "errors": sum(1 for i in g if not i.ok)}
                        for name, g in sorted(groups.items())}
    return out


def _group(action: str) -> str:
    """'click:step_t_forward' -> 'click:step_t_forward'; 'set:model_H' -> 'set:model'; 'switch:X' -> 'switch'."""
    if action.startswith("switch:"):
        return "switch"
    if action.startswith("set:"):
        return "set:" + action[4:].split("_")[0]
    return action


def format_summary(s: dict) -> str:
    """A few lines for a terminal."""
    def ms(v):
        return "-" if v is None else f"{v:.0f}"
    lines = [f"interactions {s['interactions']}  reruns/s {s['reruns_per_s'] or 0:.1f}  p50 {ms(s['p50_ms'])} ms  "
             f"p95 {ms(s['p95_ms'])} ms  p99 {ms(s['p99_ms'])} ms  max {ms(s['max_ms'])} ms  errors {s['errors']}  "
             f"exceptions {s['exceptions']}",
             f"students' own actions (timer ticks left out): n {s['actions']['n']}  p50 {ms(s['actions']['p50_ms'])} ms  "
             f"p95 {ms(s['actions']['p95_ms'])} ms  p99 {ms(s['actions']['p99_ms'])} ms"]
    for name, g in s["by_action"].items():
        lines.append(f"  {name:32s} n={g['n']:5d}  p50 {ms(g['p50_ms']):>5s} ms  p95 {ms(g['p95_ms']):>5s} ms  "
                     f"not ok {g['errors']}")
    for e in s["error_samples"] + s["exception_samples"]:
        lines.append(f"  ! {e}")
    return "\n".join(lines)
