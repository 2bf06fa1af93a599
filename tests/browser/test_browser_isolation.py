"""Two students in two real browser contexts on one server: one's edits and steps never reach the other."""

STEP = "Step_through_time"


def test_two_browsers_keep_their_own_model_and_step(page, new_page, app):
    app.open(page, STEP)
    other = new_page()
    app.open(other, STEP)
    before = app.chart(other, "step_states")

    box = page.locator(".st-key-model_H input").first                 # the first student changes H and steps
    box.fill("5")
    box.press("Enter")
    page.wait_for_function("""() => {
        const gd = document.querySelector('.st-key-step_states .js-plotly-plot');
        return gd && gd._fullData && gd._fullData[0].z.length === 5; }""")
    app.idle(page)
    for t in (1, 2):
        app.click(page, "step_t_forward")
        app.wait_step(page, "step_t", "step_states", t)

    other.reload()                                                     # the second student reruns: nothing moved
    app.idle(other)
    assert other.locator(".st-key-model_H input").first.input_value() == "3"
    assert app.slider(other, "step_t") == 0
    after = app.chart(other, "step_states")
    assert after["z_sent"] == before["z_sent"]
    app.click(other, "step_t_forward")                                 # and its own step is its own
    app.wait_step(other, "step_t", "step_states", 1)
    assert app.slider(page, "step_t") == 2
