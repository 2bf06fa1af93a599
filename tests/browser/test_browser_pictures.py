"""'Pictures for your notes' in a real browser: a page's chart downloads as an SVG and as a PNG in the print
style (white background), drawn by plotly's renderer; the SVG is kept in test-artifacts/ to look at."""
import pytest

from rnnviz import pictures

from .conftest import ARTIFACTS


@pytest.mark.skipif(pictures.unavailable() is not None, reason=str(pictures.unavailable()))
def test_a_chart_downloads_as_svg_and_png(page, app):
    app.open(page, "Padding_and_batches")
    page.get_by_text("Pictures for your notes").click()
    app.idle(page)
    box = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"]', has_text="Pictures for your notes")
    with page.expect_download(timeout=60_000) as svg_download:
        box.get_by_role("button", name="SVG").click()
    svg = open(svg_download.value.path(), "rb").read().decode()
    assert svg.lstrip().startswith("<svg") and "The mask" in svg and "white" in svg.replace("#fff", "white")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "picture_mask.svg").write_text(svg)
    with page.expect_download(timeout=60_000) as png_download:
        box.get_by_role("button", name="PNG (3×)").click()
    png = open(png_download.value.path(), "rb").read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert app.exceptions(page) == []
