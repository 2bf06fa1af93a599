"""Two students in two real browser contexts on one server: one's edits and steps never reach the other."""

STEP = "Step_through_time?future=1"                 # every state drawn: a step moves only the outline


def test_two_browsers_keep_their_own_model_and_step(page, new_page, app):
    app.open(page, STEP)
    other = new_page()
    app.open(other, STEP)
    before = app.chart(other, "step_states")

    app.set_state_size(page, 5)
    for t in (1, 2):
        app.click(page, "step_t_forward")
        app.wait_step(page, "step_t", "step_states", t)

    app.click(other, "step_t_forward")                                 # the second student's own session reruns
    app.wait_step(other, "step_t", "step_states", 1)                   # from 0: the first student's steps are not its
    assert other.locator(".st-key-model_H input").first.input_value() == "3"
    assert app.chart(other, "step_states")["z_sent"] == before["z_sent"]   # nor is the first student's H = 5
    assert app.slider(page, "step_t") == 2                             # and its step did not move the first's
