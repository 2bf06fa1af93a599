"""The settings table drives links: every field round-trips, every bad value is refused with a message that
names the field, the value and what was used instead, and no value reaches Markdown unquoted.

The cases are generated from the table (rnnviz.ui.settings.ROWS), not from a hand-copied list of fields: a new
row is tested by being a row.
"""
import re

import numpy as np
import pytest

import rnnviz as rv
from rnnviz.ui import links
from rnnviz.ui import settings as table

LINKED = [row for row in table.ROWS if row.field]


def other_value(row):
    """A valid value of the row other than its default (so a round trip that drops it is caught)."""
    if row.choices is not None:
        return next(c for c in reversed(row.choices) if c != row.default)
    if row.kind is bool:
        return not row.default
    if row.kind == "ints":
        n = row.count[1]
        return tuple(sorted(int(row.lo) + k % (int(row.hi) - int(row.lo) + 1) for k in range(1, n + 1)))
    if row.kind is str:
        return "a&b?c=d\n#e%20 " [: row.max_len]
    if row.kind is float:
        return row.lo + (row.hi - row.lo) / 3                       # not a short decimal: repr must be exact
    return int(row.hi) if row.default != row.hi else int(row.lo)


@pytest.mark.parametrize("row", LINKED, ids=lambda r: r.field)
def test_every_field_round_trips_through_a_link(row):
    value = other_value(row)
    assert table.check(row, value) == value
    query = table.to_query({row.name: value})
    assert list(query) == [row.field] and isinstance(query[row.field], str)
    values, problems = table.parse_query(query)
    assert problems == [] and values == {row.name: value}


def test_all_fields_at_once_round_trip():
    values = {row.name: other_value(row) for row in LINKED}
    parsed, problems = table.parse_query(table.to_query(values))
    assert problems == [] and parsed == values


def bad_values(row):
    """(what is wrong, text) that the row must refuse: wrong type, out of range, empty, huge, junk."""
    cases = [("huge", "9" * 400), ("junk", "[click](http://example.com) ![x](http://example.com/t.png) <b>b</b>")]
    if row.kind in (int, float):
        cases += [("wrong type", "five"), ("empty", ""), ("not finite", "nan"), ("inf", "inf")]
        if row.choices is None:
            cases += [("above", repr(row.hi + 1)), ("below", repr(row.lo - 1))]
        if row.kind is int:
            cases.append(("fraction", "1.5"))
    elif row.kind is bool:
        cases += [("wrong type", "yes"), ("empty", ""), ("above", "2")]
    elif row.kind == "ints":
        cases += [("wrong type", "1,x"), ("empty", ""), ("too few", "3"), ("too many", ",".join(["1"] * 9)),
                  ("above", ",".join([str(int(row.hi) + 1)] * row.count[1])),
                  ("below", ",".join([str(int(row.lo) - 1)] * row.count[1]))]
    elif row.choices is not None:
        cases += [("not a choice", "nope"), ("empty", "")]
    else:                                                            # free text: too long, or control characters
        cases = [("too long", "x" * (row.max_len + 1)), ("control character", "a\x00b"),
                 ("escape character", "a\x1bb")]
    return [(row, what, text) for what, text in cases]


BAD = [case for row in LINKED for case in bad_values(row)]


@pytest.mark.parametrize("row, what, text", BAD, ids=lambda v: v.field if hasattr(v, "field") else str(v)[:12])
def test_every_bad_value_is_refused_with_a_message(row, what, text):
    values, problems = table.parse_query({row.field: text})
    assert values == {}, f"{row.field}={text!r} ({what}) was accepted"
    assert len(problems) == 1
    message = problems[0]
    assert message.startswith(f"{row.field}=")
    assert "using" in message                                       # what was used instead
    assert_markdown_safe(message, text)


def assert_markdown_safe(message: str, text: str) -> None:
    """The user's text appears only inside inline code spans (which Markdown shows literally)."""
    outside = re.sub(r"(`+) .*? \1", "", message)
    for dangerous in ("](", "<b>", "![", "**"):
        if dangerous in text:
            assert dangerous not in outside, message


@pytest.mark.parametrize("value", ["`", "``a``", "a ` b", "x`y``z```"])
def test_quote_survives_backticks_in_the_value(value):
    quoted = table.quote(value)
    fence = re.match(r"`+", quoted).group()
    assert quoted == f"{fence} {value} {fence}" and not re.search(f"(?<!`){fence}(?!`)", value)


def test_unknown_fields_and_hide_names_are_named():
    values, problems = table.parse_query({"nope": "1", "lesson": "x", "hide": "y", "w": "z"})
    assert values == {} and len(problems) == 1 and "nope" in problems[0]
    names, problems = table.parse_hide("seed,weights,sed,,tr_seed")
    assert names == ("seed", "weights", "tr_seed") and len(problems) == 1 and "sed" in problems[0]


def test_every_hideable_name_is_a_linked_setting_or_a_panel():
    assert set(table.HIDEABLE) == set(table.PANELS) | {row.field for row in LINKED if row.widget not in table.UNHIDEABLE}
    assert len({row.field for row in LINKED}) == len(LINKED)           # link fields are unique
    assert len(table.BY_NAME) == len(table.ROWS)                      # so are setting names


@pytest.mark.parametrize("row", table.ROWS, ids=lambda r: r.name)
def test_every_default_is_allowed_by_its_own_row(row):
    assert table.check(row, row.default) == row.default


# ---- the exact weights of a small model (link field w) ------------------------------------------------------

def test_weights_travel_exactly():
    p = rv.init_params(2, 3, 2, f_s="sigmoid", seed=4).replace(s0=[0.1, -0.2, 1e-300])
    q = links.decode_weights(links.encode_weights(p), rv.init_params(2, 3, 2, f_s="sigmoid", seed=99))
    assert q.equals(p)


def test_large_models_do_not_go_into_links():
    assert links.encode_weights(rv.init_params(8, 16, 2)) is None


@pytest.mark.parametrize("text, match", [("not base64!!", "base64|numbers"), ("AAAA", "numbers"),
                                         (None, "NaN or inf")])
def test_bad_weights_are_refused(text, match):
    like = rv.init_params(1, 1, 1)
    if text is None:                                                   # the right length, but a NaN inside
        import base64
        text = base64.urlsafe_b64encode(np.array([np.nan, 0, 0, 0, 0, 0]).tobytes()).decode().rstrip("=")
    with pytest.raises(ValueError, match=match):
        links.decode_weights(text, like)
