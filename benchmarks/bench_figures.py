"""What a figure costs the server on a rerun, for each figure builder at the app's default sizes.

    python benchmarks/bench_figures.py [--repeats N]

Columns (medians over N repetitions, in ms):
  build       the builder call alone
  rerun       what a rerun pays for the chart: build, then st.plotly_chart's own steps
              (plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True), plotly.io.to_json)
  validated   to JSON through plotly's validation: plotly.io.to_json(spec.validated(), validate=False)
              (go.Figure(spec): what every rerun paid when the builders returned go.Figure)
  sent as is  to JSON without it: plotly.io.to_json(spec, validate=False), what st.plotly_chart now does
and the JSON size of each (the validated one carries plotly's default template).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
import plotly.io
import plotly.tools

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import streamlit.elements.plotly_chart  # noqa: E402,F401  (sets plotly's default template, as in the app)

import rnnviz as rv  # noqa: E402
from rnnviz import batch_figures, batching, bptt_figures, figures, train_figures  # noqa: E402


def default_cases() -> dict:
    """{name: builder thunk} with the app's default sizes: I = 2, H = 3, T = 6 real steps + 2 pads; a batch of
    lengths 8, 5, 3, 1; a sum task trained 2000 updates, tested at lengths 1..20."""
    rng = np.random.default_rng(0)
    p = rv.init_params(2, 3, 1, seed=0)
    x = rng.normal(size=(1, 8, 2))
    tr = rv.forward(p, x, lengths=[6])
    g = rv.backward(p, tr, rv.losses.mse(tr.output, np.zeros((1, 1)))[1])
    pads = ~tr.mask[0]
    xb, nb = batching.padded(batching.random_batch([8, 5, 3, 1], 2, seed=0))
    demo = batching.pad_demo(p, xb, nb)
    zmax = figures.symmetric_range(demo.masked.states, demo.unmasked.states)
    lengths = np.arange(1, 21)
    return {
        "inputs_figure": lambda: figures.inputs_figure(x[0], tr.mask[0]),
        "states_figure": lambda: figures.states_figure(tr.states[0], tr.mask[0], current=3),
        "mask_figure": lambda: batch_figures.mask_figure(nb, 8),
        "padded_inputs_figure": lambda: batch_figures.padded_inputs_figure(xb, nb),
        "masked_states_figure": lambda: batch_figures.masked_states_figure(demo.masked.states[1], 5, zmax=zmax,
                                                                           colour_bar=False),
        "unmasked_states_figure": lambda: batch_figures.unmasked_states_figure(demo.unmasked.states[1], 5, zmax=zmax,
                                                                               colour_bar=False),
        "deltas_figure": lambda: bptt_figures.deltas_figure(g.deltas[0], pads, current=4),
        "contribution_matrix_figure": lambda: bptt_figures.contribution_matrix_figure(
            np.einsum("bi,bh->ih", g.xs[:, 5], g.deltas[:, 5]), 3, 6),
        "element_steps_figure": lambda: bptt_figures.element_steps_figure(
            g.steps("W_s").reshape(8, -1).T, [f"w{k}" for k in range(15)], np.arange(1, 9), g.W_s.ravel()),
        "step_bars_figure": lambda: bptt_figures.step_bars_figure(g.step_norms("W_s"), pads),
        "lines_figure": lambda: bptt_figures.lines_figure(np.arange(1, 9), {"norm": g.step_norms("W_s")}, "t", "n"),
        "loss_figure": lambda: train_figures.loss_figure(np.exp(-np.arange(2000) / 500),
                                                         [(u, np.exp(-u / 500)) for u in range(0, 2001, 100)]),
        "generalisation_figure": lambda: train_figures.generalisation_figure(
            lengths, {"RNN": lengths / 100, "feed-forward": lengths / 50}, (2, 10), "relative error", False),
        "prediction_figure": lambda: train_figures.prediction_figure(rng.random(200), rng.random(200),
                                                                     rng.integers(1, 21, 200), (2, 10), unit=9.0),
    }


def median_ms(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        action()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def as_streamlit_draws(build):
    """Build the figure and serialise it as st.plotly_chart does (streamlit/elements/plotly_chart.py)."""
    fig = plotly.tools.return_figure_from_figure_or_data(build(), validate_figure=True)
    return plotly.io.to_json(fig, validate=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    repeats = parser.parse_args().repeats
    head = f"{'figure':28s} {'build':>7s} {'rerun':>7s} {'validated':>10s} {'sent as is':>10s} {'speed-up':>8s} " \
           f"{'bytes validated':>15s} {'bytes sent':>10s}"
    print(head, "\n" + "-" * len(head))
    for name, build in default_cases().items():
        spec = build()
        validated, sent = plotly.io.to_json(spec.validated(), validate=False), plotly.io.to_json(spec, validate=False)
        t_old = median_ms(lambda: plotly.io.to_json(spec.validated(), validate=False), repeats)
        t_new = median_ms(lambda: plotly.io.to_json(spec, validate=False), repeats)
        print(f"{name:28s} {median_ms(build, repeats):7.3f} {median_ms(lambda: as_streamlit_draws(build), repeats):7.3f} "
              f"{t_old:10.3f} {t_new:10.3f} {t_old / t_new:7.1f}x {len(validated):15,d} {len(sent):10,d}")


if __name__ == "__main__":
    main()
