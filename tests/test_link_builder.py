"""The teachers' link builder (AppTest): the link it shows reopens the chosen lesson, hides what was ticked
(check boxes made from the settings table) and opens the presentation view; its QR code encodes that link."""
import urllib.parse

from streamlit.testing.v1 import AppTest

from apptest_util import APP, open_page
from rnnviz.ui import link_builder
from rnnviz.ui import settings as table


def built_link(at) -> str:
    return next(c.value for c in at.main.get("code") if "://" in c.value)


def test_every_hideable_name_has_a_check_box():
    names = {name for group in link_builder._hide_choices().values() for name, _ in group}
    assert names == set(table.HIDEABLE)


def test_the_built_link_opens_the_lesson_hides_the_ticked_and_presents():
    at = open_page("teachers")
    at.selectbox(key="builder_lesson").set_value("bptt").run()
    for name in ("seed", "weights", "tr_lr"):
        at.checkbox(key=f"builder_hide_{name}").check().run()
    at.toggle(key="builder_present").set_value(True).run()
    assert not at.exception
    link = built_link(at)
    parts = urllib.parse.urlsplit(link)
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert parts.path == "/Back-propagation_through_time"               # the lesson's own page
    assert query["lesson"] == "bptt" and query["present"] == "1"
    assert set(query["hide"].split(",")) == {"seed", "weights", "tr_lr"}
    assert at.get("imgs") or at.get("image")                             # the QR code
    student = AppTest.from_file(APP, default_timeout=60)                 # a student opens the link
    student.query_params.update(query)
    student.run()
    assert not student.exception
    assert not any(w.value.startswith("The link was not fully understood") for w in student.warning)
    assert set(student.session_state["hide"]) == {"seed", "weights", "tr_lr"}
    assert student.session_state["view"]["present"] is True


def test_the_qr_code_is_an_svg_of_the_link():
    svg = link_builder.qr_svg("http://example.org/Step_through_time?lesson=pads")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "path" in svg
