"""The Jupyter widget (rnnviz.notebook_stepper.Stepper, an anywidget) runs the page's own stepper renderer: its
ES module, loaded in Chromium with an anywidget-shaped model, draws the core's numbers and reports the step."""
import numpy as np
import pytest

import rnnviz as rv

anywidget = pytest.importorskip("anywidget")
from rnnviz.notebook_stepper import Stepper  # noqa: E402

ROOT = '[data-testid="rnnviz-stepper"]'
HOST = """async ([esm, css, state]) => {
    const style = document.createElement("style"); style.textContent = css; document.head.append(style);
    const url = URL.createObjectURL(new Blob([esm], {type: "text/javascript"}));
    const mod = await import(url);
    const listeners = {};
    window.saved = [];
    window.model = {                                  // what anywidget hands render(): get / set / on / save
        get: (k) => state[k],
        set: (k, v) => { state[k] = v; },
        on: (e, f) => (listeners[e] = listeners[e] || []).push(f),
        save_changes: () => window.saved.push(state.step),
    };
    const el = document.createElement("div"); document.body.append(el);
    mod.default.render({model: window.model, el});
}"""


def test_the_widget_draws_the_cores_states_and_reports_the_step(browser):
    p = rv.init_params(2, 3, 1, f_s="tanh", seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (1, 6, 2))
    tr = rv.forward(p, x)
    w = Stepper(p, tr, step=0)
    context = browser.new_context(viewport={"width": 1200, "height": 1400})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("about:blank")
        page.evaluate(HOST, [w._esm, w._css, {"payload": w.payload, "step": w.step, "show_all": w.show_all}])
        page.wait_for_selector(ROOT)
        page.locator(ROOT).click(position={"x": 5, "y": 5})            # the page's stepper takes the keys
        for t in (1, 2, 3):
            page.keyboard.press("n")
            page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.step === '{t}'")
        shown = page.evaluate(f"""() => Array.from(document.querySelectorAll('{ROOT} [data-value]'))
                                     .map(e => e.dataset.value)""")
        assert repr(float(tr.states[0, 3, 0])) in shown or str(float(tr.states[0, 3, 0])) in shown
        page.wait_for_function("() => window.saved.length > 0")        # after the pause: the step goes back
        assert page.evaluate("() => window.model.get('step')") == 3
        assert errors == []
    finally:
        context.close()
