"""Two students in two real browser contexts on one server: one's edits and steps never reach the other."""

STEP = "Step_through_time"


def test_two_browsers_keep_their_own_model_and_step(page, new_page, app):
    app.open(page, STEP)
    other = new_page()
    app.open(other, STEP)
    before = app.stepper(other)

    app.set_state_size(page, 5)
    app.press(page, "n", 2)
    app.wait_step(page, 2)

    app.press(other, "n")                                              # the second student's own session reruns
    app.wait_step(other, 1)                                            # from 0: the first student's steps are not its
    assert other.locator(".st-key-model_H input").first.input_value() == "3"
    assert app.stepper(other)["payload"] == before["payload"]          # nor is the first student's H = 5
    assert app.stepper(page)["step"] == 2                              # and its step did not move the first's
