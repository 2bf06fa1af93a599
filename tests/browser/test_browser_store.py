"""Links that reopen any model, in a real browser: a model too large for inline weights travels as m=<id>, the
id of its exact bytes in the model store, and a fresh browser sees bit for bit the same states."""
import urllib.parse

import pytest

STEP = "Step_through_time"


def query_of(url: str) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def output_text(page) -> str:
    """The output equation as the page typesets it (o = f_o(...) = [...])."""
    return page.locator('[data-testid="stMarkdownContainer"] .katex').last.inner_text()


def edit_one_weight(page, app, value: str) -> None:
    """Type a value for the first weight (W_s00) through the page's single-weight editor."""
    page.get_by_text("Edit the weights").first.click()
    app.idle(page)
    box = page.locator(".st-key-one_weight_value input").first
    box.fill(value)
    box.press("Enter")
    app.idle(page)
    page.wait_for_function("v => document.querySelector('.st-key-one_weight_value input').value === v", arg=value)


def reopened_the_same(new_page, app, link: str, chart: dict, output: str):
    other = new_page()                                                # another person's browser
    app.open(other, link.removeprefix(app.base))
    assert app.exceptions(other) == []
    assert not any("not fully understood" in t for t in other.locator('[data-testid="stAlert"]').all_inner_texts())
    again = app.stepper(other)
    assert again["payload"] == chart["payload"] and again["values"] == chart["values"]   # the same float64 bytes
    assert output_text(other) == output
    return other


@pytest.mark.parametrize("H", [16, 64])
def test_a_large_edited_model_reopens_bit_for_bit(page, new_page, app, H):
    app.open(page, f"{STEP}?I=32&H={H}&T=8")
    edit_one_weight(page, app, "3.0")
    query = query_of(page.url)
    assert "m" in query and "w" not in query, page.url                 # too large to travel inline
    n_weights = (H + 32) * H + H + H + 1 + H
    assert n_weights > 256 and len(page.url) < 1000                    # the link stays short
    chart, output = app.stepper(page), output_text(page)
    other = reopened_the_same(new_page, app, page.url, chart, output)
    other.get_by_text("Edit the weights").first.click()
    app.idle(other)
    assert other.locator(".st-key-one_weight_value input").first.input_value() == "3.0"


def test_a_trained_next_character_model_reopens_bit_for_bit(page, new_page, app):
    app.open(page, "Train_and_generalise")
    page.locator(".st-key-train_task").first.click()
    page.get_by_role("option", name="Next character (classification)").click()
    app.idle(page)
    for _ in range(2):
        app.click(page, "train_one")
        app.idle(page)
    app.click(page, "train_adopt")                                      # 'Open in the other lessons'
    app.idle(page)
    page.locator('[data-testid="stSidebarNavLink"]', has_text="Step through time").click()
    app.idle(page)
    query = query_of(page.url)
    assert "m" in query and query.get("I") == "27", page.url
    reopened_the_same(new_page, app, page.url, app.stepper(page), output_text(page))


def test_a_link_to_an_unknown_model_says_so_and_works(page, app):
    app.open(page, f"{STEP}?I=32&H=16&m=AAAAAAAAAAAAAAAAAAAAAA")
    notes = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
    assert "could not be opened" in notes
    assert app.exceptions(page) == [] and page.locator(app.STEPPER).count() == 1
