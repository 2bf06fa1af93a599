"""The presentation view (present=1) in a real browser: at projector sizes the stepper's controls and the states
heatmap lie inside the first screen, there is no sidebar, and the keyboard steps, plays and opens the next lesson."""
import pytest

from .conftest import wait_idle

ROOT = '[data-testid="rnnviz-stepper"]'


def inside(page, selector, width, height) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not drawn"
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (selector, box)
    return box


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("path", ["Step_through_time?lesson=unrolled&present=1",
                                  "Back-propagation_through_time?present=1"])
def test_the_stepper_and_its_heatmap_fit_the_first_screen(browser, server, width, height, path):
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.goto(server + path)
        wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        for selector in (f"{ROOT} .rvs-controls", f"{ROOT} .rvs-heat", f"{ROOT} .rvs-math", f"{ROOT} .rvs-net"):
            inside(page, selector, width, height)
    finally:
        context.close()


def test_the_keyboard_steps_plays_and_opens_the_next_lesson(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(server + "Step_through_time?lesson=unrolled&present=1")
        wait_idle(page)
        start = int(page.get_attribute(ROOT, "data-step"))
        page.keyboard.press("n")
        page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.step === '{start + 1}'")
        page.keyboard.press("Home")
        page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.step === '0'")
        page.keyboard.press("p")                                         # play to the end
        page.wait_for_function(f"() => document.querySelector('{ROOT}').dataset.step === "
                               f"document.querySelector('{ROOT}').dataset.last", timeout=20_000)
        wait_idle(page)
        page.keyboard.press("l")                                         # the next lesson, still presenting
        page.wait_for_function("() => location.search.includes('lesson=pads')", timeout=20_000)
        wait_idle(page)
        assert "present=1" in page.evaluate("location.search")
        assert page.get_by_text("Pads leave the state unchanged").count() >= 1
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
    finally:
        context.close()
