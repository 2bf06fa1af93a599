"""Stepping through time in a real browser: the buttons, the slider and the chart's outlined column agree."""

STEP = "Step_through_time"


def test_forward_and_back_move_the_slider_and_the_chart(page, app):
    app.open(page, STEP + "?future=1")                                   # every state drawn: a step moves the outline
    assert app.slider(page, "step_t") == 0
    assert app.chart(page, "step_states")["current"] == 0
    z0 = app.chart(page, "step_states")["z_sent"]
    for t in (1, 2):
        app.click(page, "step_t_forward")
        app.wait_step(page, "step_t", "step_states", t)
    app.click(page, "step_t_back")
    app.wait_step(page, "step_t", "step_states", 1)
    assert app.chart(page, "step_states")["z_sent"] == z0             # stepping moves the outline, not the data
    app.click(page, "step_t_last")
    last = int(page.locator('.st-key-step_t input[type="range"]').get_attribute("max"))
    app.wait_step(page, "step_t", "step_states", last)
    app.click(page, "step_t_first")
    app.wait_step(page, "step_t", "step_states", 0)
    assert app.exceptions(page) == []


def test_play_advances_and_pause_stops(page, app, idle):
    app.open(page, STEP)
    last = int(page.locator('.st-key-step_t input[type="range"]').get_attribute("max"))
    assert app.slider(page, "step_t") == 0 and last >= 4
    app.click(page, "step_t_play")                                     # 2 steps per second by default
    page.locator(".st-key-step_t_play button", has_text="Pause").first.wait_for()
    page.wait_for_function("""() => {
        const v = document.querySelector('.st-key-step_t [data-testid="stSliderThumbValue"]');
        return v && Number(v.innerText) >= 2; }""", timeout=15_000)
    app.click(page, "step_t_play")                                     # the same button, now Pause
    page.locator(".st-key-step_t_play button", has_text="Play").first.wait_for()
    idle(page)
    t = app.slider(page, "step_t")
    assert 2 <= t < last, "play should have advanced and paused before the end"
    page.wait_for_timeout(1500)                                        # 3 ticks at 2 steps/s, were it still playing
    idle(page)
    assert app.slider(page, "step_t") == t
    assert app.chart(page, "step_states")["current"] == t
    assert page.locator(".st-key-step_t_forward button").first.is_enabled()   # stepping works again
    assert app.exceptions(page) == []


def test_the_keyboard_shortcut_steps_forward(page, app):
    app.open(page, STEP)
    page.locator("h1").first.click()                                   # focus the page, not an input
    page.keyboard.press("n")                                           # st.button(..., shortcut="N")
    app.wait_step(page, "step_t", "step_states", 1)


def test_bptt_steps_backward_from_the_output(page, app):
    app.open(page, "Back-propagation_through_time")
    T = int(page.locator('.st-key-bptt_n input[type="range"]').get_attribute("max"))
    assert app.slider(page, "bptt_n") == 0
    assert app.chart(page, "bptt_deltas")["current"] is None           # n = 0: at the output, no step outlined
    for n in (1, 2):
        app.click(page, "bptt_n_forward")
        page.wait_for_function("""([n, t]) => {
            const v = document.querySelector('.st-key-bptt_n [data-testid="stSliderThumbValue"]');
            const gd = document.querySelector('.st-key-bptt_deltas .js-plotly-plot');
            const box = gd && gd.layout && (gd.layout.shapes || []).find(s => s.line && s.line.width === 3);
            return v && v.innerText.trim() === String(n) && box && (box.x0 + box.x1) / 2 === t; }""",
                               arg=[n, T + 1 - n])                      # n steps back: delta^{T+1-n} outlined
        app.idle(page)
    assert f"Step t = {T - 1}" in page.inner_text('[data-testid="stMain"]')   # the explanation follows the step
    assert app.exceptions(page) == []


def test_a_state_appears_when_its_step_is_computed(page, app):
    app.open(page, STEP)
    for t in (1, 2):
        app.click(page, "step_t_forward")
        app.wait_step(page, "step_t", "step_states", t)
    z = app.chart(page, "step_states")["z"]                             # rows: units; columns: s^0..s^T
    assert all(v is not None and v == v for row in z for v in row[: t + 1])
    assert all(v is None or v != v for row in z for v in row[t + 1:])   # not computed yet: empty (NaN)
