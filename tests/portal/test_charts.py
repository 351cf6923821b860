"""The SVG charts of portal/charts.py: geometry, ticks, values, suppression, escaping, the
strict CSP (no style or script), accessibility attributes and deterministic output."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.safestring import SafeString

from portal.charts import (
    FONT_SIZE,
    MAX_ROTATED_LABEL,
    PLOT_HEIGHT,
    WIDTH,
    Series,
    bar_chart,
    line_chart,
    nice_ticks,
    text_width,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(html: str) -> ET.Element:
    """The whole figure is well-formed XML (the SVG and its HTML caption)."""
    return ET.fromstring(html)  # noqa: S314 - our own output, not untrusted input


def svg_of(figure: ET.Element) -> ET.Element:
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    return svg


def bars(figure: ET.Element) -> list[ET.Element]:
    return [
        el
        for el in svg_of(figure).iter(f"{SVG}rect")
        if "chart__bar" in el.get("class", "").split()
    ]


def by_class(figure: ET.Element, name: str) -> list[ET.Element]:
    return [el for el in svg_of(figure).iter() if name in el.get("class", "").split()]


def num(el: ET.Element, attr: str) -> float:
    return float(el.get(attr, "nan"))


def tick_line(figure: ET.Element, tick: str) -> ET.Element:
    (line,) = [el for el in svg_of(figure).iter(f"{SVG}line") if el.get("data-tick") == tick]
    return line


def title_of(el: ET.Element) -> str:
    title = el.find(f"{SVG}title")
    assert title is not None
    return title.text or ""


def two_bars() -> SafeString:
    return bar_chart(title="Days", labels=["a", "b"], series=[Series("s", [10, 20])])


# --- Ticks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maximum", "integral", "expected"),
    [
        (7, True, [0, 2, 4, 6, 8]),
        (1234, True, [0, 500, 1000, 1500]),
        (20, True, [0, 5, 10, 15, 20]),
        (21, True, [0, 5, 10, 15, 20, 25]),
        (100, True, [0, 20, 40, 60, 80, 100]),
        (3, True, [0, 1, 2, 3]),
        (1, True, [0, 1]),
        (0, True, [0, 1]),
        (999_999, True, [0, 200_000, 400_000, 600_000, 800_000, 1_000_000]),
        (0.5, False, ["0", "0.1", "0.2", "0.3", "0.4", "0.5"]),
        (0.07, False, ["0", "0.02", "0.04", "0.06", "0.08"]),
        (2.5, False, ["0", "0.5", "1.0", "1.5", "2.0", "2.5"]),
    ],
)
def test_nice_ticks_step_one_two_or_five(maximum, integral, expected):
    assert nice_ticks(maximum, integral=integral) == [Decimal(str(v)) for v in expected]


def test_tick_labels_have_thousands_separators():
    figure = parse(bar_chart(title="T", labels=["a"], series=[Series("s", [1234])]))
    ticks = [el.text for el in by_class(figure, "chart__tick")]
    assert ticks == ["0", "500", "1,000", "1,500"]
    grid = [el.get("data-tick") for el in by_class(figure, "chart__grid")]
    assert grid == ["500", "1,000", "1,500"]


def test_fractional_ticks_are_exact_decimals():
    # 0.1 + 0.2 is 0.30000000000000004 in floats; the ticks are computed in decimals.
    figure = parse(bar_chart(title="T", labels=["a"], series=[Series("s", [0.1 + 0.2])]))
    assert [el.text for el in by_class(figure, "chart__tick")] == ["0", "0.1", "0.2", "0.3", "0.4"]
    figure = parse(bar_chart(title="T", labels=["a"], series=[Series("s", [0.6])]))
    assert [el.text for el in by_class(figure, "chart__tick")] == [
        "0",
        "0.2",
        "0.4",
        "0.6",
    ]


# --- Geometry ----------------------------------------------------------------------------------


def test_bar_heights_are_proportional_to_the_axis():
    figure = parse(two_bars())
    zero, top = tick_line(figure, "0"), tick_line(figure, "20")
    baseline, plot_top = num(zero, "y1"), num(top, "y1")
    assert baseline - plot_top == PLOT_HEIGHT
    ten, twenty = bars(figure)
    assert num(ten, "height") == PLOT_HEIGHT / 2 == 120
    assert num(ten, "y") == baseline - 120
    assert num(twenty, "height") == PLOT_HEIGHT
    assert num(twenty, "y") == plot_top
    # Left margin 28 (tick labels), plot 720 - 28 - 16 = 676, two bands of 338, bars of 48
    # centred in their band.
    assert num(zero, "x1") == 28
    assert num(zero, "x2") == WIDTH - 16
    assert (num(ten, "x"), num(ten, "width")) == (173, 48)
    assert (num(twenty, "x"), num(twenty, "width")) == (511, 48)


def test_grouped_bars_stand_side_by_side_within_their_category():
    figure = parse(
        bar_chart(
            title="T",
            labels=["a", "b", "c"],
            series=[Series("x", [1, 2, 3]), Series("y", [4, 5, 6]), Series("z", [7, 8, 9])],
        )
    )
    rects = bars(figure)
    assert [r.get("data-series") for r in rects] == ["x", "y", "z"] * 3
    assert [r.get("data-label") for r in rects] == ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    assert [r.get("class") for r in rects[:3]] == [
        "chart__bar chart__series--1",
        "chart__bar chart__series--2",
        "chart__bar chart__series--3",
    ]
    widths = {num(r, "width") for r in rects}
    assert len(widths) == 1
    for left, right in itertools.pairwise(rects):
        assert num(left, "x") + num(left, "width") < num(right, "x")
    # Axis 0..10: value 5 is half the plot height.
    five = next(r for r in rects if r.get("data-value") == "5")
    assert num(five, "height") == PLOT_HEIGHT / 2


def test_reference_line_is_dashed_at_its_value_and_labelled():
    with translation.override("en"):
        html = bar_chart(
            title="Days",
            labels=["a", "b"],
            series=[Series("s", [12, 8])],
            unit="days",
            reference=15,
            reference_label="Statutory limit",
        )
    figure = parse(html)
    (group,) = by_class(figure, "chart__reference")
    assert group.get("data-reference") == "15"
    (line,) = by_class(figure, "chart__reference-line")
    assert line.get("stroke-dasharray") == "6 4"
    baseline, top = num(tick_line(figure, "0"), "y1"), num(tick_line(figure, "15"), "y1")
    assert num(line, "y1") == num(line, "y2") == top == baseline - PLOT_HEIGHT
    (label,) = by_class(figure, "chart__reference-label")
    assert label.text == "Statutory limit"
    legend = figure.find("figcaption/ul")
    assert legend is not None
    assert "".join(legend.itertext()) == "sStatutory limit (15 days)"


def test_reference_line_below_the_maximum():
    figure = parse(bar_chart(title="T", labels=["a"], series=[Series("s", [20])], reference=15))
    (line,) = by_class(figure, "chart__reference-line")
    baseline = num(tick_line(figure, "0"), "y1")
    assert num(line, "y1") == baseline - PLOT_HEIGHT * 15 / 20
    (label,) = by_class(figure, "chart__reference-label")
    assert label.text == "15"


def test_reference_above_the_data_raises_the_axis():
    figure = parse(bar_chart(title="T", labels=["a"], series=[Series("s", [3])], reference=20))
    assert [el.text for el in by_class(figure, "chart__tick")] == ["0", "5", "10", "15", "20"]


def test_reference_label_moves_away_from_a_tall_bar_at_the_right():
    figure = parse(
        bar_chart(
            title="T",
            labels=["a", "b", "c", "d"],
            series=[Series("s", [5, 6, 7, 25])],
            reference=20,
            reference_label="Limit",
        )
    )
    (label,) = by_class(figure, "chart__reference-label")
    assert label.get("text-anchor") == "start"
    assert num(label, "x") == num(tick_line(figure, "0"), "x1") + 4


def test_stacked_bars_sum_to_their_total():
    with translation.override("en"):
        html = bar_chart(
            title="T",
            labels=["a", "b"],
            series=[Series("x", [1, 2]), Series("y", [3, None])],
            stacked=True,
        )
    figure = parse(html)
    stacks = by_class(figure, "chart__stack")
    assert [(s.get("data-label"), s.get("data-total")) for s in stacks] == [("a", "4"), ("b", "2")]
    assert [el.text for el in by_class(figure, "chart__tick")] == ["0", "1", "2", "3", "4"]
    x_a, y_a = [r for r in bars(figure) if r.get("data-label") == "a"]
    # y sits on x: same column, adjacent, and together they fill the plot height (4 of 4).
    assert num(x_a, "x") == num(y_a, "x")
    assert num(y_a, "y") + num(y_a, "height") == num(x_a, "y")
    assert num(x_a, "height") + num(y_a, "height") == PLOT_HEIGHT
    assert num(x_a, "height") == PLOT_HEIGHT / 4
    totals = by_class(figure, "chart__value")
    assert [t.itertext().__next__() for t in totals] == [
        "a — total: 4",
        "b — total: 2 (without the suppressed values)",
    ]
    assert [list(t.itertext())[-1] for t in totals] == ["4", "2"]
    (marker,) = by_class(figure, "chart__suppressed")
    assert (marker.get("data-label"), marker.get("data-series")) == ("b", "y")


def test_horizontal_bars_grow_from_the_left_axis():
    labels = ["Inner Mongolia Autonomous Region", "Beijing", "Xinjiang Uygur Autonomous Region"]
    figure = parse(
        bar_chart(
            title="T",
            labels=labels,
            series=[Series("s", [10, 20, 5])],
            horizontal=True,
            reference=15,
        )
    )
    axis = tick_line(figure, "0")
    assert num(axis, "x1") == num(axis, "x2")  # the zero line is vertical
    plot_width = num(tick_line(figure, "20"), "x1") - num(axis, "x1")
    rects = bars(figure)
    assert [num(r, "x") for r in rects] == [num(axis, "x1")] * 3
    assert [num(r, "width") for r in rects] == [plot_width / 2, plot_width, plot_width / 4]
    heights = {num(r, "height") for r in rects}
    assert len(heights) == 1
    assert [num(r, "y") for r in rects] == sorted(num(r, "y") for r in rects)
    (line,) = by_class(figure, "chart__reference-line")
    assert num(line, "x1") == num(line, "x2") == num(axis, "x1") + plot_width * 15 / 20
    texts = by_class(figure, "chart__label")
    assert [t.get("text-anchor") for t in texts] == ["end"] * 3
    assert all(num(t, "x") < num(axis, "x1") for t in texts)
    # The label column takes the long names (up to 200 units), not the whole width.
    assert num(axis, "x1") <= 200 + 20
    assert "".join(texts[1].itertext()) == "Beijing"


def test_horizontal_stacked_chart():
    figure = parse(
        bar_chart(
            title="T",
            labels=["a", "b"],
            series=[Series("x", [1, 2]), Series("y", [3, 6])],
            stacked=True,
            horizontal=True,
        )
    )
    x_b, y_b = [r for r in bars(figure) if r.get("data-label") == "b"]
    assert num(y_b, "x") == num(x_b, "x") + num(x_b, "width")
    assert num(x_b, "y") == num(y_b, "y")
    assert [s.get("data-total") for s in by_class(figure, "chart__stack")] == ["4", "8"]


# --- Values, suppression, text ------------------------------------------------------------------


def test_data_value_is_the_exact_input_and_the_title_is_formatted():
    with translation.override("en"):
        html = bar_chart(
            title="T",
            labels=["a", "b", "c", "d", "e"],
            series=[Series("2025", [3, 12.5, 1_234_567, Decimal("2.50"), 7.0])],
            unit="days",
        )
    rects = bars(parse(html))
    assert [r.get("data-value") for r in rects] == ["3", "12.5", "1234567", "2.5", "7"]
    assert [title_of(r) for r in rects] == [
        "a — 2025: 3 days",
        "b — 2025: 12.5 days",
        "c — 2025: 1,234,567 days",
        "d — 2025: 2.5 days",
        "e — 2025: 7 days",
    ]


def test_titles_round_to_the_given_decimals_but_data_value_stays_exact():
    with translation.override("en"):
        html = bar_chart(title="T", labels=["a"], series=[Series("s", [2 / 3])], decimals=1)
    (rect,) = bars(parse(html))
    assert rect.get("data-value") == repr(2 / 3)
    assert title_of(rect) == "a — s: 0.7"


def test_suppressed_value_is_a_gap_with_a_marker_and_says_so():
    with translation.override("en"):
        html = bar_chart(
            title="T",
            labels=["a", "b", "c"],
            series=[Series("2024", [4, None, 6]), Series("2025", [None, 5, 6])],
        )
    figure = parse(html)
    assert [(r.get("data-label"), r.get("data-series")) for r in bars(figure)] == [
        ("a", "2024"),
        ("b", "2025"),
        ("c", "2024"),
        ("c", "2025"),
    ]
    markers = by_class(figure, "chart__suppressed")
    assert [(m.get("data-label"), m.get("data-series")) for m in markers] == [
        ("a", "2025"),
        ("b", "2024"),
    ]
    assert [m.get("data-value") for m in markers] == ["", ""]
    assert [m.get("data-suppressed") for m in markers] == ["true", "true"]
    assert [title_of(m) for m in markers] == ["a — 2025: suppressed", "b — 2024: suppressed"]
    desc = svg_of(figure).find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == "3 categories, highest 6 (c — 2024). 2 values suppressed."


def test_only_suppressed_values():
    with translation.override("en"):
        html = bar_chart(title="T", labels=["a", "b"], series=[Series("s", [None, None])])
    figure = parse(html)
    assert bars(figure) == []
    assert len(by_class(figure, "chart__suppressed")) == 2
    desc = svg_of(figure).find(f"{SVG}desc")
    assert desc is not None
    assert desc.text == "2 categories, all values suppressed."


def test_desc_summarises_and_the_svg_is_labelled_by_title_and_desc():
    with translation.override("en"):
        html = bar_chart(
            title="Applications",
            labels=["Beijing", "Shanghai", "Guangdong"],
            series=[Series("2025", [1200, 3400, 2100])],
            unit="applications",
            reference=3000,
            reference_label="Target",
            table_id="applications-table",
        )
    figure = parse(html)
    assert figure.tag == "figure"
    assert figure.get("class") == "chart chart--bar"
    svg = svg_of(figure)
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert svg.get("aria-describedby") == "applications-table"
    assert title.text == "Applications"
    assert desc.text == (
        "3 categories, highest 3,400 applications (Shanghai). "
        "Reference line at 3,000 applications: Target."
    )
    caption = figure.find("figcaption")
    assert caption is not None
    assert caption.find("span").text == "Applications"  # type: ignore[union-attr]
    viewbox = svg.get("viewBox", "").split()
    assert viewbox[:3] == ["0", "0", str(WIDTH)]
    assert svg.get("height") == viewbox[3]


def test_no_table_id_no_describedby():
    assert "aria-describedby" not in two_bars()


def test_legend_names_each_series_with_its_swatch():
    figure = parse(
        bar_chart(
            title="T",
            labels=["a"],
            series=[Series("2024", [1]), Series("2025", [2])],
        )
    )
    items = figure.findall("figcaption/ul/li")
    assert ["".join(li.itertext()) for li in items] == ["2024", "2025"]
    swatches = [li.find(f"{SVG}svg/{SVG}rect") for li in items]
    assert [s.get("class") for s in swatches if s is not None] == [
        "chart__swatch-fill chart__series--1",
        "chart__swatch-fill chart__series--2",
    ]
    assert [li.find(f"{SVG}svg").get("aria-hidden") for li in items] == ["true", "true"]  # type: ignore[union-attr]
    assert len(bars(figure)) == 2  # the swatches are not counted as bars


def test_labels_and_names_are_escaped():
    evil = '<script>alert("x")</script> & Co'
    html = bar_chart(
        title=f"Title {evil}",
        labels=[evil, "b"],
        series=[Series(f"S {evil}", [1, None])],
        unit="&",
        reference=1,
        reference_label=evil,
        table_id='t" onmouseover="x',
    )
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "&amp; Co" in html
    assert 'onmouseover="x' not in html
    figure = parse(html)
    (rect,) = bars(figure)
    assert rect.get("data-label") == evil
    assert rect.get("data-series") == f"S {evil}"
    assert svg_of(figure).get("aria-describedby") == 't" onmouseover="x'
    labels = by_class(figure, "chart__label")
    assert "".join(labels[0].itertext()).endswith(evil)


def test_control_characters_are_dropped():
    html = bar_chart(title="T\x00", labels=["a\x07b"], series=[Series("s\x1b", [1])])
    figure = parse(html)
    (rect,) = bars(figure)
    assert (rect.get("data-label"), rect.get("data-series")) == ("ab", "s")


@pytest.mark.parametrize(
    "html",
    [
        pytest.param(lambda: two_bars(), id="bars"),
        pytest.param(
            lambda: bar_chart(
                title="T",
                labels=["a", "b"],
                series=[Series("x", [1, None]), Series("y", [2, 3])],
                stacked=True,
                horizontal=True,
                unit="days",
                reference=2,
                show_values=True,
            ),
            id="stacked-horizontal",
        ),
        pytest.param(
            lambda: line_chart(
                title="T",
                labels=["a", "b", "c"],
                series=[Series("x", [1, None, 3]), Series("y", [2, 2, 2])],
                reference=2,
                unit="u",
            ),
            id="line",
        ),
        pytest.param(lambda: bar_chart(title="T", labels=[], series=[]), id="empty"),
    ],
)
def test_no_style_or_script_and_valid_xml(html):
    rendered = html()
    assert isinstance(rendered, SafeString)
    for forbidden in ("style=", "<style", "<script", "javascript:"):
        assert forbidden not in rendered.lower()
    assert not re.search(r"\son\w+=", rendered)  # no event handler attributes
    parse(rendered)


# --- Edge cases ---------------------------------------------------------------------------------


def test_empty_data_says_no_data():
    with translation.override("en"):
        for html in (
            bar_chart(title="Nothing", labels=[], series=[]),
            bar_chart(title="Nothing", labels=["a"], series=[]),
            bar_chart(title="Nothing", labels=[], series=[Series("s", [])]),
            line_chart(title="Nothing", labels=[], series=[]),
        ):
            figure = parse(html)
            assert figure.find(f"{SVG}svg") is None
            assert "chart--empty" in figure.get("class", "")
            assert figure.findtext("figcaption/span") == "Nothing"
            assert figure.findtext("p") == "No data"


def test_no_data_is_translatable():
    with translation.override("en"):
        english = bar_chart(title="T", labels=[], series=[])
    assert "No data" in english
    assert "chart__empty" in bar_chart(title="T", labels=[], series=[])


def test_all_zeros():
    with translation.override("en"):
        html = bar_chart(title="T", labels=["a", "b"], series=[Series("s", [0, 0])])
    figure = parse(html)
    assert [num(r, "height") for r in bars(figure)] == [0, 0]
    assert [r.get("data-value") for r in bars(figure)] == ["0", "0"]
    assert [el.text for el in by_class(figure, "chart__tick")] == ["0", "1"]
    assert svg_of(figure).findtext(f"{SVG}desc") == "2 categories, all values are zero."


def test_single_value():
    with translation.override("en"):
        html = bar_chart(title="T", labels=["only"], series=[Series("s", [5])])
    figure = parse(html)
    (rect,) = bars(figure)
    assert num(rect, "height") == PLOT_HEIGHT
    assert num(rect, "width") == 48
    assert svg_of(figure).findtext(f"{SVG}desc") == "1 category, highest 5 (only)."


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"series": [Series("s", [1, -1])]}, "negative"),
        ({"series": [Series("s", [1, math.nan])]}, "finite"),
        ({"series": [Series("s", [1, math.inf])]}, "finite"),
        ({"series": [Series("s", [1, "2"])]}, "numbers"),  # type: ignore[list-item]
        ({"series": [Series("s", [1])]}, "1 values for 2 labels"),
        ({"series": [Series(str(i), [1, 2]) for i in range(9)]}, "at most 8 series"),
        ({"series": [Series("s", [1, 2])], "reference": -1}, "negative"),
        ({"series": [Series("s", [1, 2])], "labels": "ab"}, "one string"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    arguments = {"title": "T", "labels": ["a", "b"], **kwargs}
    with pytest.raises(ValueError, match=message):
        bar_chart(**arguments)
    with pytest.raises(ValueError, match=message):
        line_chart(**arguments)


def test_forty_long_labels_are_rotated_and_truncated_with_the_full_text():
    labels = [f"Professional and technical occupation group {i}" for i in range(40)]
    values = [(i * 37) % 101 for i in range(40)]
    figure = parse(bar_chart(title="T", labels=labels, series=[Series("s", values)]))
    rects = bars(figure)
    assert [r.get("data-value") for r in rects] == [str(v) for v in values]
    for left, right in itertools.pairwise(rects):
        assert num(left, "x") + num(left, "width") <= num(right, "x")
    texts = by_class(figure, "chart__label")
    assert len(texts) == 40
    assert all(t.get("transform", "").startswith("rotate(-90 ") for t in texts)
    first = texts[0]
    assert first.findtext(f"{SVG}title") == labels[0]
    shown = list(first.itertext())[-1]
    assert shown.endswith("…")
    assert text_width(shown) <= MAX_ROTATED_LABEL
    # The picture is tall enough for the rotated labels.
    svg = svg_of(figure)
    assert float(svg.get("height", "0")) >= num(tick_line(figure, "0"), "y1") + text_width(shown)


def test_a_few_long_labels_are_slanted_and_stay_inside_the_picture():
    long = "Xinjiang Uygur Autonomous Region and Production Corps"
    labels = [long, "Beijing", "Shanghai", "Guangdong", "Zhejiang", "Jiangsu", "Sichuan"]
    figure = parse(bar_chart(title="T", labels=labels, series=[Series("s", [1, 2, 3, 4, 5, 6, 7])]))
    texts = by_class(figure, "chart__label")
    assert all(t.get("transform", "").startswith("rotate(-45 ") for t in texts)
    # The first label is anchored at its end under its bar and slants down to the left:
    # the left margin grows so that it does not reach past the picture's left edge.
    first = texts[0]
    shown = list(first.itertext())[-1]
    assert shown.endswith("…")
    assert first.findtext(f"{SVG}title") == long
    reach = text_width(shown) * math.sqrt(0.5) + FONT_SIZE / 2
    assert num(first, "x") - reach >= 0
    assert num(tick_line(figure, "0"), "x1") > 28  # wider than the tick labels need


def test_labels_that_fit_on_a_few_lines_wrap_instead_of_rotating():
    labels = ["Beijing", "Inner Mongolia Autonomous Region", "内蒙古自治区", "Sichuan"]
    figure = parse(bar_chart(title="T", labels=labels, series=[Series("s", [1, 2, 3, 4])]))
    texts = by_class(figure, "chart__label")
    assert [t.get("transform") for t in texts] == [None] * 4
    wrapped = texts[1]
    lines = [span.text for span in wrapped.findall(f"{SVG}tspan")]
    assert len(lines) >= 2
    assert " ".join(lines) == labels[1]
    assert wrapped.findtext(f"{SVG}title") == labels[1]
    assert "".join(texts[2].itertext()) == "内蒙古自治区"


def test_output_is_deterministic():
    def make() -> str:
        return bar_chart(
            title="T",
            labels=["a", "b", "c"],
            series=[Series("x", [1.5, None, 3]), Series("y", [2, 2, 0])],
            reference=2,
            reference_label="r",
            table_id="t",
        )

    assert make() == make()
    assert two_bars() != bar_chart(title="Days", labels=["a", "b"], series=[Series("s", [10, 21])])


def test_element_ids_follow_the_input_or_chart_id():
    first = parse(two_bars())
    other = parse(bar_chart(title="Days", labels=["a", "c"], series=[Series("s", [10, 20])]))
    assert first.get("id") != other.get("id")
    fixed = parse(bar_chart(title="T", labels=["a"], series=[Series("s", [1])], chart_id="permits"))
    assert fixed.get("id") == "permits"
    assert svg_of(fixed).get("aria-labelledby") == "permits-title permits-desc"


def test_show_values_prints_the_value_at_each_bar():
    figure = parse(
        bar_chart(
            title="T",
            labels=["a", "b"],
            series=[Series("s", [1500, 20])],
            show_values=True,
            horizontal=True,
        )
    )
    assert [el.text for el in by_class(figure, "chart__value")] == ["1,500", "20"]
    (a, b) = bars(figure)
    value_a = by_class(figure, "chart__value")[0]
    assert num(value_a, "x") == num(a, "x") + num(a, "width") + 4
    assert num(b, "width") > 0


def test_series_values_are_kept_as_a_tuple():
    values = [1, 2]
    series = Series("s", values)
    values.append(3)
    assert series.values == (1, 2)
    assert hash(series) == hash(Series("s", (1, 2)))


# --- Line chart ---------------------------------------------------------------------------------


def test_line_chart_points_lines_and_gaps():
    with translation.override("en"):
        html = line_chart(
            title="Decisions",
            labels=["Jan", "Feb", "Mar", "Apr", "May"],
            series=[Series("Approved", [10, 20, None, 15, 5]), Series("Refused", [1, 2, 3, 4, 5])],
            unit="decisions",
            table_id="decisions",
        )
    figure = parse(html)
    assert figure.get("class") == "chart chart--line"
    points = by_class(figure, "chart__point")
    assert [p.get("data-value") for p in points] == ["10", "20", "15", "5", "1", "2", "3", "4", "5"]
    assert [p.tag for p in points[:4]] == [f"{SVG}circle"] * 4
    assert [p.tag for p in points[4:]] == [f"{SVG}rect"] * 5  # a second shape
    assert title_of(points[1]) == "Feb — Approved: 20 decisions"
    baseline = num(tick_line(figure, "0"), "y1")
    assert num(points[1], "cy") == baseline - PLOT_HEIGHT  # 20 is the axis maximum
    assert num(points[0], "cy") == baseline - PLOT_HEIGHT / 2
    lines = by_class(figure, "chart__line")
    # Approved breaks at March: Jan-Feb and Apr-May; Refused is one line of five points.
    assert [line.get("d", "").count("L") for line in lines] == [1, 1, 4]
    assert [line.get("class") for line in lines] == [
        "chart__line chart__series--1",
        "chart__line chart__series--1",
        "chart__line chart__series--2",
    ]
    (gap,) = by_class(figure, "chart__suppressed")
    assert (gap.get("data-label"), gap.get("data-series")) == ("Mar", "Approved")
    assert title_of(gap) == "Mar — Approved: suppressed"
    # Points sit at the centre of their category, in order.
    xs = [num(p, "cx") for p in points[:2]]
    assert xs[0] < xs[1]
    legend = figure.findall("figcaption/ul/li")
    assert [li.find(f"{SVG}svg/{SVG}line").get("class") for li in legend] == [  # type: ignore[union-attr]
        "chart__swatch-line chart__series--1",
        "chart__swatch-line chart__series--2",
    ]


def test_line_chart_single_point_has_no_line():
    figure = parse(line_chart(title="T", labels=["2025"], series=[Series("s", [4])]))
    assert by_class(figure, "chart__line") == []
    (point,) = by_class(figure, "chart__point")
    assert point.get("data-value") == "4"
