"""Links in a real browser: a share link reopens the same view in another browser, every guided lesson
opens on its page with its caption, and a bad link explains itself and still works."""
import urllib.parse

import pytest

from rnnviz.ui import PAGES
from rnnviz.ui.lessons import LESSONS

STEP = "Step_through_time"
SIDEBAR = ("I", "H", "O", "f_s", "f_o", "seed")


def sidebar_values(page) -> dict:
    """What the sidebar's model controls show (number inputs and select boxes hold an <input>; the radio
    gives the index of the checked option)."""
    values = {k: page.locator(f".st-key-model_{k} input").first.input_value() for k in SIDEBAR}
    values["scale"] = page.locator('.st-key-model_scale [data-testid="stSliderThumbValue"]').inner_text().strip()
    values["s0"] = page.locator('.st-key-model_s0 input[type="radio"]:checked').first.get_attribute("value")  # index
    return values


def test_a_share_link_reopens_the_same_view_in_a_new_browser(page, new_page, app):
    # A non-default model: f_s, seed, scale and s0 from a link, H typed into the sidebar; then step to t = 3.
    app.open(page, f"{STEP}?f_s=relu&seed=7&scale=1.5&s0=learned")
    app.set_state_size(page, 4)
    app.press(page, "n", 3)
    app.wait_step(page, 3)
    here = sidebar_values(page)
    assert (here["H"], here["f_s"], here["seed"], float(here["scale"]), here["s0"]) == ("4", "relu", "7", 1.5, "1")
    drawn = app.stepper(page)
    link = page.url                                                   # the address bar is the share link
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    assert query.get("t") == "3", f"the address bar does not carry the step: {link}"

    other = new_page()                                               # another person's browser: no cache, no state
    app.open(other, link.removeprefix(app.base))
    assert app.exceptions(other) == []
    assert sidebar_values(other) == here
    again = app.stepper(other)
    assert again["step"] == 3
    assert again["payload"] == drawn["payload"]                       # the same float64 bytes
    assert again["values"] == drawn["values"]                         # and the same numbers drawn


def test_the_link_button_beside_the_steps_shows_the_current_link(page, app):
    app.open(page, f"{STEP}?H=4")
    app.press(page, "n", 2)
    app.wait_step(page, 2)
    page.get_by_role("button", name="Link to this step").click()
    code = page.locator('[data-testid="stPopoverBody"] [data-testid="stCode"]').first
    code.wait_for()
    assert code.inner_text().strip() == page.url


@pytest.mark.parametrize("name", list(LESSONS))
def test_a_lesson_opens_on_its_page_with_its_caption(page, app, name):
    lesson = LESSONS[name]
    app.open(page, f"?lesson={name}")
    assert app.exceptions(page) == []
    path = urllib.parse.urlsplit(page.url).path.strip("/")
    assert urllib.parse.unquote(path) == PAGES[lesson.page].url_path
    notes = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    assert f"Lesson: {lesson.title}." in notes
    for text in (lesson.claim, lesson.question):
        assert " ".join(text.split()) in " ".join(notes.split())
    link = page.locator('[data-testid="stAlert"] a').last                 # the next lesson of the chain
    href = urllib.parse.urljoin(page.url, link.get_attribute("href"))
    if lesson.next is None:
        assert urllib.parse.urlsplit(href).path.strip("/") == PAGES["train"].url_path
    else:
        assert urllib.parse.parse_qs(urllib.parse.urlsplit(href).query) == {"lesson": [lesson.next]}
        assert urllib.parse.urlsplit(href).path.strip("/") == ""         # the home page, which opens the lesson
    if "t" in lesson.query:
        assert app.stepper(page)["step"] == int(lesson.query["t"])
    if "tab" in lesson.query:
        assert page.locator('[data-testid="stTab"][aria-selected="true"]').inner_text().strip() == lesson.query["tab"]
    if "H" in lesson.query:
        assert page.locator(".st-key-model_H input").first.input_value() == lesson.query["H"]
    assert page.locator(f".js-plotly-plot, {app.STEPPER}, [data-testid='stDataFrame'], .katex").count() >= 1


def test_a_bad_link_says_what_it_ignored_and_the_page_works(page, app):
    app.open(page, f"{STEP}?H=999&f_s=swish")
    warnings = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    assert "H=999" in warnings and "swish" in warnings
    assert app.exceptions(page) == []
    values = sidebar_values(page)
    assert (values["H"], values["f_s"]) == ("3", "tanh")              # the defaults stand in
    assert app.stepper(page)["step"] == 0
    app.press(page, "n")                                             # and the page still works
    app.wait_step(page, 1)
    assert app.exceptions(page) == []


JUNK = {"link": "[click me](http://example.com/phish)", "image": "![t](http://example.com/track.png)",
        "bold": "**bold**", "html": "<img src=x onerror=alert(1)><b>b</b>", "math": "$x^2$"}


@pytest.mark.parametrize("kind", list(JUNK))
def test_markdown_and_html_in_link_values_show_as_plain_text(page, app, kind):
    text = JUNK[kind]
    query = urllib.parse.urlencode({"H": text, text: "1", "hide": text})         # a value, a field name, a hide name
    app.open(page, f"{STEP}?{query}")
    assert app.exceptions(page) == [] and page.js_errors == []
    alerts = page.locator('[data-testid="stAlert"]')
    shown = " ".join(alerts.all_inner_texts())
    assert shown.count(text) == 3, shown                                  # literally, once per field
    assert alerts.locator("a, img, strong, b, .katex").count() == 0       # nothing rendered from it
    assert page.locator('img[src^="http://example.com"], a[href^="http://example.com"]').count() == 0


@pytest.mark.parametrize("kind", ["link", "html", "bold"])
def test_markdown_in_typed_text_shows_as_plain_text(page, app, kind):
    text = JUNK[kind]
    app.open(page, f"{STEP}?" + urllib.parse.urlencode({"seq": "typed text", "text": text, "I": str(len(set(text)))}))
    assert app.exceptions(page) == [] and page.js_errors == []
    caption = " ".join(page.locator('[data-testid="stCaptionContainer"]').all_inner_texts())
    assert "one-hot over the" in caption
    assert page.locator('[data-testid="stCaptionContainer"] a, [data-testid="stCaptionContainer"] img, '
                        '[data-testid="stCaptionContainer"] strong').count() == 0
    assert page.locator('a[href^="http://example.com"], img[src^="http://example.com"]').count() == 0
