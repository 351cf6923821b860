"""Server-rendered SVG charts for the statistics pages: bar charts and line charts.

Pure functions: data in, a ``<figure class="chart">`` out (an HTML fragment that is also
well-formed XML). No script, no ``<style>`` element and no ``style=`` attribute, so the
strict Content-Security-Policy holds; the colours come from ``static/css/charts.css``
(classes ``chart__series--1`` to ``--8``, the colour-blind-safe Okabe–Ito palette), with
presentation attributes as a fallback where the stylesheet is not linked (a PDF, a feed).

Accessibility: the ``<svg>`` is one image (``role="img"``) named by its ``<title>`` and
``<desc>`` (a one-sentence summary: how many categories, the highest value and where) and
described by the data table the page prints after it (``table_id``). Every bar and point
carries a ``<title>`` (a tooltip: "label — series: value unit") and ``data-value`` (the
exact number, so tests and readers can check it against the table). A value of ``None``
is suppressed or unknown: no bar, a small "×" marker, and the tooltip says so.

The output is deterministic: the same input gives the same bytes (the element ids derive
from a hash of the input unless ``chart_id`` is given). Values must be finite and not
negative (counts and days); anything else raises ``ValueError``.

    from portal.charts import Series, bar_chart, line_chart

    bar_chart(title="Processing time", labels=["Beijing", "Shanghai"],
              series=[Series("2025", [12, 18])], unit="days",
              reference=20, reference_label="Statutory limit", table_id="days-table")
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

__all__ = ["MAX_SERIES", "Series", "bar_chart", "line_chart", "nice_ticks"]

Number = float | int | Decimal

SVG_NS = "http://www.w3.org/2000/svg"
MAX_SERIES = 8

# Okabe–Ito, ordered so that the first colours are the most distinct on white; the edge is
# the colour darkened by a third (at least 3:1 against white, WCAG 1.4.11). The stylesheet
# sets the same colours; these are the fallback presentation attributes.
PALETTE: tuple[tuple[str, str], ...] = (
    ("#0072b2", "#004a74"),
    ("#e69f00", "#966700"),
    ("#009e73", "#00674b"),
    ("#d55e00", "#8a3d00"),
    ("#56b4e9", "#387597"),
    ("#cc79a7", "#854f6d"),
    ("#f0e442", "#9c942b"),
    ("#000000", "#000000"),
)
# Line charts also tell the series apart by the marker's shape, not by colour alone.
MARKERS = ("circle", "square", "diamond", "triangle")

# Geometry in user units of the viewBox (the figure scales it to the column's width).
WIDTH = 720
FONT_SIZE = 12
PLOT_HEIGHT = 240
RIGHT_MARGIN = 16
TICK_GAP = 6
MAX_BAR = 48  # the widest bar (vertical) or the thickest (horizontal rows use MAX_ROW_BAR)
MAX_ROW_BAR = 20
GROUP_FILL = 0.72  # share of a category's band the bars of one category take
MAX_ROTATED_LABEL = 150  # rotated category labels are truncated to this length
MAX_SIDE_LABEL = 200  # category labels to the left of horizontal bars
ROW_HEIGHT = 26
MARKER_SIZE = 4  # half the size of the "×" of a suppressed value
ELLIPSIS = "…"


@dataclass(frozen=True)
class Series:
    """One named row of values, one per label; ``None`` is a suppressed or unknown value."""

    name: str
    values: Sequence[Number | None]

    def __post_init__(self) -> None:
        # A tuple: the series stays immutable (and hashable) whatever the caller passed.
        object.__setattr__(self, "values", tuple(self.values))


# --- Numbers ---------------------------------------------------------------------------------


def _checked(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float | Decimal):
        raise ValueError(f"chart values must be numbers or None, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"chart values must be finite, not {value}")
    if number < 0:
        raise ValueError(f"chart values cannot be negative: {value}")
    return number


def _exact(value: Number) -> str:
    """The exact number for ``data-value``: ``10``, ``12.5``, never ``10.0``."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _format(value: float, decimals: int) -> str:
    """A number for people: thousands separators, at most ``decimals`` decimals."""
    if value.is_integer():
        return f"{int(value):,}"
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _format_tick(tick: Decimal) -> str:
    if tick == tick.to_integral_value():
        return f"{int(tick):,}"
    return format(tick.normalize(), ",f")


def _with_unit(number: str, unit: str) -> str:
    return f"{number} {unit}" if unit else number


def nice_ticks(maximum: float, *, integral: bool = False, target: int = 5) -> list[Decimal]:
    """Axis ticks from 0 in steps of 1, 2 or 5 times a power of ten, the last >= maximum.

    At most ``target`` intervals; ``integral`` data (counts) never gets a step below 1.
    ``nice_ticks(7)`` is 0, 2, 4, 6, 8; ``nice_ticks(1234)`` is 0, 500, 1000, 1500.
    """
    if maximum <= 0:
        return [Decimal(0), Decimal(1)]
    raw = Decimal(repr(float(maximum))) / target
    magnitude = Decimal(1).scaleb(raw.adjusted())
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if integral and step < 1:
        step = Decimal(1)
    count = math.ceil(Decimal(repr(float(maximum))) / step)
    return [step * i for i in range(count + 1)]


def _n(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros, never ``-0``."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --- Text ------------------------------------------------------------------------------------


def _clean(text: object) -> str:
    """Text without the control characters XML cannot hold, on one line."""
    return "".join(
        " " if ch in "\t\n\r" else ch
        for ch in str(text)
        if ch in "\t\n\r"
        or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in "\ufffe\uffff")
    ).strip()


def _char_width(ch: str) -> float:
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch in "ilIj.,:;'|!()[] ":
        return 0.34
    if ch in "mwMW@" or ch.isupper():
        return 0.72
    return 0.6


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """A generous estimate of the width of ``text`` (CJK characters are a full em)."""
    return sum(_char_width(ch) for ch in text) * size


def _truncate(text: str, width: float) -> str:
    if text_width(text) <= width:
        return text
    limit = width - text_width(ELLIPSIS)
    kept, used = [], 0.0
    for ch in text:
        used += _char_width(ch) * FONT_SIZE
        if used > limit:
            break
        kept.append(ch)
    return "".join(kept).rstrip() + ELLIPSIS


def _wrap(text: str, width: float, max_lines: int = 3) -> list[str] | None:
    """``text`` broken into at most ``max_lines`` lines of ``width`` (at spaces, or between
    CJK characters), or None when a word is too long or more lines would be needed."""
    if text_width(text) <= width:
        return [text]
    # Tokens: (text, whether a space came before it); each CJK character is a token.
    tokens: list[tuple[str, bool]] = []
    spaced = False
    for ch in text:
        if ch == " ":
            spaced = True
            continue
        wide = _char_width(ch) == 1.0
        if tokens and not spaced and not wide and _char_width(tokens[-1][0][-1]) != 1.0:
            tokens[-1] = (tokens[-1][0] + ch, tokens[-1][1])
        else:
            tokens.append((ch, spaced))
        spaced = False
    lines: list[str] = []
    current = ""
    for token, space in tokens:
        candidate = f"{current} {token}" if current and space else current + token
        if text_width(candidate) <= width:
            current = candidate
            continue
        if not current or text_width(token) > width:
            return None
        lines.append(current)
        current = token
    lines.append(current)
    return lines if len(lines) <= max_lines else None


# --- Elements --------------------------------------------------------------------------------


def _el(tag: str, attrs: Mapping[str, object] | None = None, content: str = "") -> str:
    """An element; attribute values are escaped here, ``content`` must be markup already."""
    rendered = "".join(
        f' {name}="{escape(str(value))}"'
        for name, value in (attrs or {}).items()
        if value is not None
    )
    if content:
        return f"<{tag}{rendered}>{content}</{tag}>"
    return f"<{tag}{rendered}/>"


def _title(text: str) -> str:
    return _el("title", None, escape(text))


def _label_text(full: str, shown: str, attrs: Mapping[str, object]) -> str:
    """A ``<text>``; when truncated it carries the full text as its ``<title>``."""
    inner = (_title(full) if shown != full else "") + escape(shown)
    return _el("text", attrs, inner)


# --- The data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Data:
    labels: tuple[str, ...]
    names: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]  # [series][category]
    exact: tuple[tuple[str, ...], ...]  # data-value, "" for None
    integral: bool

    @property
    def empty(self) -> bool:
        return not self.labels or not self.names

    def point_title(self, i: int, j: int, shown: str) -> str:
        if len(self.names) == 1 and not self.names[0]:
            return _("%(label)s: %(value)s") % {"label": self.labels[i], "value": shown}
        return _("%(label)s — %(series)s: %(value)s") % {
            "label": self.labels[i],
            "series": self.names[j] or str(j + 1),
            "value": shown,
        }


def _prepare(labels: Sequence[str], series: Sequence[Series]) -> _Data:
    if isinstance(labels, str):
        raise ValueError("labels must be a sequence of strings, not one string")
    if len(series) > MAX_SERIES:
        raise ValueError(f"at most {MAX_SERIES} series, got {len(series)}")
    clean_labels = tuple(_clean(label) for label in labels)
    values, exact = [], []
    for one in series:
        if len(one.values) != len(clean_labels):
            raise ValueError(
                f"series {one.name!r} has {len(one.values)} values for {len(clean_labels)} labels"
            )
        values.append(tuple(_checked(v) for v in one.values))
        exact.append(tuple("" if v is None else _exact(v) for v in one.values))
    known = [v for row in values for v in row if v is not None]
    return _Data(
        labels=clean_labels,
        names=tuple(_clean(one.name) for one in series),
        values=tuple(values),
        exact=tuple(exact),
        integral=all(v.is_integer() for v in known),
    )


def _chart_id(kind: str, *parts: object) -> str:
    digest = hashlib.sha256(repr((kind, *parts)).encode("utf-8")).hexdigest()
    return f"chart-{digest[:10]}"


@dataclass(frozen=True)
class _Options:
    kind: str  # "bar" or "line"
    title: str
    unit: str
    reference: float | None
    reference_label: str
    stacked: bool
    horizontal: bool
    table_id: str
    chart_id: str
    decimals: int
    show_values: bool

    def value(self, number: float) -> str:
        return _with_unit(_format(number, self.decimals), self.unit)


# --- Summary (the <desc>) --------------------------------------------------------------------


def _summary(data: _Data, options: _Options) -> str:
    count = len(data.labels)
    known = [
        (value, i, j)
        for j, row in enumerate(data.values)
        for i, value in enumerate(row)
        if value is not None
    ]
    suppressed = sum(1 for row in data.values for value in row if value is None)
    sentences: list[str] = []
    if not known:
        sentences.append(
            ngettext(
                "%(count)s category, all values suppressed.",
                "%(count)s categories, all values suppressed.",
                count,
            )
            % {"count": count}
        )
    else:
        if options.stacked and len(data.names) > 1:
            totals = _totals(data)
            best = max(totals)
            where = data.labels[totals.index(best)]
        else:
            best, i, j = max(known, key=lambda item: (item[0], -item[2], -item[1]))
            where = (
                data.labels[i] if len(data.names) == 1 else f"{data.labels[i]} — {data.names[j]}"
            )
        if best == 0:
            sentences.append(
                ngettext(
                    "%(count)s category, all values are zero.",
                    "%(count)s categories, all values are zero.",
                    count,
                )
                % {"count": count}
            )
        else:
            sentences.append(
                ngettext(
                    "%(count)s category, highest %(value)s (%(label)s).",
                    "%(count)s categories, highest %(value)s (%(label)s).",
                    count,
                )
                % {"count": count, "value": options.value(best), "label": where}
            )
        if suppressed:
            sentences.append(
                ngettext("%(count)s value suppressed.", "%(count)s values suppressed.", suppressed)
                % {"count": suppressed}
            )
    if options.reference is not None:
        value = options.value(options.reference)
        if options.reference_label:
            sentences.append(
                _("Reference line at %(value)s: %(label)s.")
                % {"value": value, "label": options.reference_label}
            )
        else:
            sentences.append(_("Reference line at %(value)s.") % {"value": value})
    return " ".join(sentences)


def _totals(data: _Data) -> list[float]:
    return [sum(row[i] or 0.0 for row in data.values) for i in range(len(data.labels))]


# --- Layout ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Axis:
    ticks: list[Decimal]
    maximum: float

    @classmethod
    def for_data(cls, data: _Data, options: _Options) -> _Axis:
        if options.stacked:
            highest = max(_totals(data), default=0.0)
        else:
            highest = max((v for row in data.values for v in row if v is not None), default=0.0)
        integral = data.integral
        if options.reference is not None:
            highest = max(highest, options.reference)
            integral = integral and options.reference.is_integer()
        ticks = nice_ticks(highest, integral=integral)
        return cls(ticks=ticks, maximum=float(ticks[-1]))


@dataclass(frozen=True)
class _Frame:
    width: float
    height: float
    left: float
    top: float
    plot_width: float
    plot_height: float
    label_mode: str  # vertical charts: "flat", "slant" or "upright"; horizontal: "side"

    @property
    def right(self) -> float:
        return self.left + self.plot_width

    @property
    def bottom(self) -> float:
        return self.top + self.plot_height


def _most_suppressed(data: _Data) -> int:
    """The most suppressed values of one category (their markers sit on a stack's end)."""
    return max(
        (sum(1 for row in data.values if row[i] is None) for i in range(len(data.labels))),
        default=0,
    )


def _top_margin(data: _Data, options: _Options) -> float:
    stacked = options.stacked and len(data.names) > 1
    top = 14.0
    if options.reference is not None or options.show_values or stacked:
        top = 22.0
    if stacked:
        top += _most_suppressed(data) * (2 * MARKER_SIZE + 3)
    if options.unit:
        top = max(top, 30.0)
    return top


def _vertical_frame(data: _Data, axis: _Axis, options: _Options) -> _Frame:
    tick_width = max(text_width(_format_tick(t)) for t in axis.ticks)
    left = max(28.0, tick_width + TICK_GAP + 6)
    widths = [text_width(label) for label in data.labels]
    count = len(data.labels)
    mode = "flat"
    lines = 1
    for _pass in range(2):
        band = (WIDTH - left - RIGHT_MARGIN) / count
        wrapped = [_wrap(label, band - 6) for label in data.labels]
        if all(w is not None for w in wrapped):
            mode = "flat"
            lines = max(len(w) for w in wrapped if w is not None)
        elif band >= 22:
            mode = "slant"
        else:
            mode = "upright"
        if mode != "slant":
            break
        # A slanted label reaches left of its category: the first must stay inside.
        reach = max(
            min(w, MAX_ROTATED_LABEL) * math.sqrt(0.5) + FONT_SIZE * 0.5 - (i + 0.5) * band
            for i, w in enumerate(widths)
        )
        if reach + 4 <= left:
            break
        left = reach + 4
    longest = min(max(widths), MAX_ROTATED_LABEL)
    bottom: float
    if mode == "flat":
        bottom = TICK_GAP + FONT_SIZE + (lines - 1) * FONT_SIZE * 1.25 + 6
    elif mode == "slant":
        bottom = TICK_GAP + (longest + FONT_SIZE) * math.sqrt(0.5) + 6
    else:
        bottom = TICK_GAP + longest + 6
    top = _top_margin(data, options)
    return _Frame(
        width=WIDTH,
        height=math.ceil(top + PLOT_HEIGHT + bottom),
        left=left,
        top=top,
        plot_width=WIDTH - left - RIGHT_MARGIN,
        plot_height=PLOT_HEIGHT,
        label_mode=mode,
    )


def _row_height(data: _Data, options: _Options) -> float:
    if options.stacked or len(data.names) == 1:
        return ROW_HEIGHT
    return max(ROW_HEIGHT, len(data.names) * 12 + 10)


def _horizontal_frame(data: _Data, axis: _Axis, options: _Options) -> _Frame:
    label_width = min(max(text_width(label) for label in data.labels), MAX_SIDE_LABEL)
    left = max(28.0, label_width + TICK_GAP + 8)
    right = max(RIGHT_MARGIN, text_width(_format_tick(axis.ticks[-1])) / 2 + 4)
    if options.show_values or options.stacked:
        widest = max(
            (
                text_width(_format(v, options.decimals))
                for v in (
                    _totals(data)
                    if options.stacked
                    else [v for row in data.values for v in row if v is not None]
                )
            ),
            default=0.0,
        )
        right = max(right, widest + 10)
    if options.stacked and len(data.names) > 1:
        right += _most_suppressed(data) * (2 * MARKER_SIZE + 3)
    top = 26.0 if options.reference is not None else 8.0
    plot_height = len(data.labels) * _row_height(data, options)
    bottom = TICK_GAP + FONT_SIZE + 8 + (FONT_SIZE + 6 if options.unit else 0)
    return _Frame(
        width=WIDTH,
        height=math.ceil(top + plot_height + bottom),
        left=left,
        top=top,
        plot_width=WIDTH - left - right,
        plot_height=plot_height,
        label_mode="side",
    )


# --- Drawing ---------------------------------------------------------------------------------


def _series_attrs(j: int, kind: str) -> dict[str, object]:
    fill, edge = PALETTE[j]
    if kind == "line":
        return {"class": f"chart__line chart__series--{j + 1}", "fill": "none", "stroke": fill}
    if kind == "point":
        return {"class": f"chart__point chart__series--{j + 1}", "fill": fill, "stroke": "#ffffff"}
    return {"class": f"chart__bar chart__series--{j + 1}", "fill": fill, "stroke": edge}


def _cross(x: float, y: float) -> str:
    s = MARKER_SIZE
    left, right, up, down = _n(x - s), _n(x + s), _n(y - s), _n(y + s)
    return f"M{left} {up}L{right} {down}M{left} {down}L{right} {up}"


def _suppressed(data: _Data, i: int, j: int, x: float, y: float) -> str:
    """The marker of a suppressed value: no bar, a small "×", a tooltip that says so."""
    return _el(
        "path",
        {
            "class": "chart__suppressed",
            "d": _cross(x, y),
            "fill": "none",
            "stroke": "#595f6a",
            "data-value": "",
            "data-suppressed": "true",
            "data-label": data.labels[i],
            "data-series": data.names[j],
        },
        _title(data.point_title(i, j, _("suppressed"))),
    )


def _bar(
    data: _Data, options: _Options, i: int, j: int, x: float, y: float, w: float, h: float
) -> str:
    value = data.values[j][i]
    assert value is not None
    attrs: dict[str, object] = {
        **_series_attrs(j, "bar"),
        "x": _n(x),
        "y": _n(y),
        "width": _n(max(w, 0.0)),
        "height": _n(max(h, 0.0)),
        "data-value": data.exact[j][i],
        "data-label": data.labels[i],
        "data-series": data.names[j],
    }
    return _el("rect", attrs, _title(data.point_title(i, j, options.value(value))))


def _value_grid(frame: _Frame, axis: _Axis, horizontal: bool) -> list[str]:
    """Grid lines with their tick labels, and the axis line at zero (drawn last, on top)."""
    parts: list[str] = []
    for tick in axis.ticks:
        share = float(tick) / axis.maximum
        label = _format_tick(tick)
        if horizontal:
            x = frame.left + share * frame.plot_width
            line = {"x1": _n(x), "y1": _n(frame.top), "x2": _n(x), "y2": _n(frame.bottom)}
            text = {
                "class": "chart__tick",
                "x": _n(x),
                "y": _n(frame.bottom + TICK_GAP + FONT_SIZE * 0.8),
                "text-anchor": "middle",
            }
        else:
            y = frame.bottom - share * frame.plot_height
            line = {"x1": _n(frame.left), "y1": _n(y), "x2": _n(frame.right), "y2": _n(y)}
            text = {
                "class": "chart__tick",
                "x": _n(frame.left - TICK_GAP),
                "y": _n(y),
                "dy": "0.35em",
                "text-anchor": "end",
            }
        if tick != 0:
            parts.append(
                _el(
                    "line",
                    {"class": "chart__grid", **line, "stroke": "#e8eaee", "data-tick": label},
                )
            )
        parts.append(_el("text", text, escape(label)))
    return parts


def _zero_line(frame: _Frame, horizontal: bool) -> str:
    if horizontal:
        coords = {
            "x1": _n(frame.left),
            "y1": _n(frame.top),
            "x2": _n(frame.left),
            "y2": _n(frame.bottom),
        }
    else:
        coords = {
            "x1": _n(frame.left),
            "y1": _n(frame.bottom),
            "x2": _n(frame.right),
            "y2": _n(frame.bottom),
        }
    return _el("line", {"class": "chart__axis", **coords, "stroke": "#767d89", "data-tick": "0"})


def _unit_label(frame: _Frame, options: _Options) -> str:
    if not options.unit:
        return ""
    if options.horizontal:
        attrs = {
            "class": "chart__unit",
            "x": _n(frame.right),
            "y": _n(frame.bottom + TICK_GAP + FONT_SIZE * 0.8 + FONT_SIZE + 6),
            "text-anchor": "end",
        }
    else:
        # Above the tick labels, aligned with them (further right if the unit is long).
        x = max(frame.left - TICK_GAP, text_width(options.unit) + 2)
        attrs = {"class": "chart__unit", "x": _n(x), "y": "14", "text-anchor": "end"}
    return _el("text", attrs, escape(options.unit))


def _mark_tops(data: _Data, axis: _Axis, frame: _Frame, options: _Options) -> list[float]:
    """Per category of a vertical chart, the highest point (smallest y) its marks reach."""
    scale = frame.plot_height / axis.maximum
    stacked = options.stacked and len(data.names) > 1
    tops = []
    for i in range(len(data.labels)):
        column = [row[i] for row in data.values]
        if options.kind == "line":
            # The lines run on to the neighbours: count half of the way to each.
            reach = [v for v in column if v is not None]
            for j, row in enumerate(data.values):
                for k in (i - 1, i + 1):
                    if 0 <= k < len(row) and column[j] is not None and row[k] is not None:
                        reach.append((column[j] + row[k]) / 2)  # type: ignore[operator]
            highest, extra = max(reach, default=0.0), 5.0
        elif stacked:
            highest = sum(v or 0.0 for v in column)
            extra = FONT_SIZE + 6 + sum(1 for v in column if v is None) * (2 * MARKER_SIZE + 3)
        else:
            highest = max((v for v in column if v is not None), default=0.0)
            extra = FONT_SIZE + 6 if options.show_values else 0.0
        suppressed = any(v is None for v in column) and not stacked
        floor = (
            frame.bottom - (2 * MARKER_SIZE + 3) * len(data.names) if suppressed else frame.bottom
        )
        tops.append(min(frame.bottom - highest * scale - extra, floor))
    return tops


def _reference_place(
    data: _Data, axis: _Axis, frame: _Frame, options: _Options, y: float, width: float
) -> tuple[float, float, str]:
    """Where the reference line's label goes: x, baseline y, anchor. The first free spot of:
    above the line at the right end, at the left end, below it at the right, at the left."""
    band = frame.plot_width / len(data.labels)
    tops = _mark_tops(data, axis, frame, options)
    above, below = y - 5, y + 5 + FONT_SIZE * 0.8
    candidates = [
        (frame.right, above, "end"),
        (frame.left + 4, above, "start"),
        (frame.right, below, "end"),
        (frame.left + 4, below, "start"),
    ]
    for x, baseline, anchor in candidates:
        x0, x1 = (x - width, x) if anchor == "end" else (x, x + width)
        box_top, box_bottom = baseline - FONT_SIZE * 0.8 - 2, baseline + FONT_SIZE * 0.25 + 2
        if box_bottom > frame.bottom:
            continue
        crowded = any(
            tops[i] < box_bottom
            for i in range(len(data.labels))
            if frame.left + i * band < x1 + 2 and frame.left + (i + 1) * band > x0 - 2
        )
        if not crowded and box_top >= 0:
            return x, baseline, anchor
    return candidates[0]


def _reference(data: _Data, frame: _Frame, axis: _Axis, options: _Options) -> str:
    if options.reference is None:
        return ""
    share = options.reference / axis.maximum
    full = options.reference_label or options.value(options.reference)
    if options.horizontal:
        x = frame.left + share * frame.plot_width
        line = {"x1": _n(x), "y1": _n(frame.top - 4), "x2": _n(x), "y2": _n(frame.bottom)}
        at_right = x > frame.left + frame.plot_width / 2
        room = (x - 4) if at_right else (frame.width - x - 4)
        shown = _truncate(full, room)
        text = {
            "class": "chart__reference-label",
            "x": _n(x - 4 if at_right else x + 4),
            "y": _n(frame.top - 10),
            "text-anchor": "end" if at_right else "start",
        }
    else:
        y = frame.bottom - share * frame.plot_height
        line = {"x1": _n(frame.left), "y1": _n(y), "x2": _n(frame.right), "y2": _n(y)}
        shown = _truncate(full, frame.plot_width * 0.6)
        x, baseline, anchor = _reference_place(data, axis, frame, options, y, text_width(shown))
        text = {
            "class": "chart__reference-label",
            "x": _n(x),
            "y": _n(baseline),
            "text-anchor": anchor,
        }
    return _el(
        "g",
        {"class": "chart__reference", "data-reference": _exact(options.reference)},
        _el(
            "line",
            {
                "class": "chart__reference-line",
                **line,
                "stroke": "#1f2329",
                "stroke-dasharray": "6 4",
            },
        )
        + _label_text(full, shown, text),
    )


def _category_labels_vertical(data: _Data, frame: _Frame) -> list[str]:
    band = frame.plot_width / len(data.labels)
    parts = []
    y = frame.bottom + TICK_GAP
    for i, label in enumerate(data.labels):
        x = frame.left + (i + 0.5) * band
        if frame.label_mode == "flat":
            attrs: dict[str, object] = {
                "class": "chart__label",
                "x": _n(x),
                "y": _n(y + FONT_SIZE * 0.8),
                "text-anchor": "middle",
            }
            lines = _wrap(label, band - 6) or [label]
            if len(lines) == 1:
                parts.append(_label_text(label, label, attrs))
            else:
                spans = "".join(
                    _el("tspan", {"x": _n(x), "dy": "1.25em" if n else "0"}, escape(line))
                    for n, line in enumerate(lines)
                )
                parts.append(_el("text", attrs, _title(label) + spans))
            continue
        angle = -45 if frame.label_mode == "slant" else -90
        attrs = {
            "class": "chart__label",
            "x": _n(x),
            "y": _n(y),
            "dy": "0.35em",
            "text-anchor": "end",
            "transform": f"rotate({angle} {_n(x)} {_n(y)})",
        }
        parts.append(_label_text(label, _truncate(label, MAX_ROTATED_LABEL), attrs))
    return parts


def _category_labels_side(data: _Data, frame: _Frame, row: float) -> list[str]:
    parts = []
    for i, label in enumerate(data.labels):
        attrs = {
            "class": "chart__label",
            "x": _n(frame.left - TICK_GAP - 2),
            "y": _n(frame.top + (i + 0.5) * row),
            "dy": "0.35em",
            "text-anchor": "end",
        }
        parts.append(_label_text(label, _truncate(label, MAX_SIDE_LABEL), attrs))
    return parts


def _value_text(text: str, x: float, y: float, anchor: str, title: str = "") -> str:
    attrs = {"class": "chart__value", "x": _n(x), "y": _n(y), "text-anchor": anchor}
    if anchor == "start":
        attrs["dy"] = "0.35em"
    return _el("text", attrs, (_title(title) if title else "") + escape(text))


def _bars_vertical(data: _Data, axis: _Axis, frame: _Frame, options: _Options) -> list[str]:
    count, k = len(data.labels), len(data.names)
    band = frame.plot_width / count
    scale = frame.plot_height / axis.maximum
    parts: list[str] = []

    def y_of(value: float) -> float:
        return frame.bottom - value * scale

    for i in range(count):
        band_x = frame.left + i * band
        if options.stacked and k > 1:
            width = min(band * GROUP_FILL, MAX_BAR)
            x = band_x + (band - width) / 2
            running, markers, inner = 0.0, 0, []
            for j in range(k):
                value = data.values[j][i]
                if value is None:
                    continue
                top, bottom = y_of(running + value), y_of(running)
                inner.append(_bar(data, options, i, j, x, top, width, bottom - top))
                running += value
            for j in range(k):
                if data.values[j][i] is None:
                    y = y_of(running) - MARKER_SIZE - 3 - markers * (2 * MARKER_SIZE + 3)
                    inner.append(_suppressed(data, i, j, x + width / 2, y))
                    markers += 1
            total = _format(running, options.decimals)
            if text_width(total) <= band:
                y = y_of(running) - 5 - markers * (2 * MARKER_SIZE + 3) - (3 if markers else 0)
                title = _total_title(data, options, i, running)
                inner.append(_value_text(total, x + width / 2, y, "middle", title))
            parts.append(
                _el(
                    "g",
                    {
                        "class": "chart__stack",
                        "data-label": data.labels[i],
                        "data-total": _exact(running),
                    },
                    "".join(inner),
                )
            )
            continue
        group = min(band * GROUP_FILL, k * MAX_BAR)
        width = group / k
        gap = 1.0 if k > 1 else 0.0
        for j in range(k):
            x = band_x + (band - group) / 2 + j * width
            value = data.values[j][i]
            if value is None:
                parts.append(_suppressed(data, i, j, x + width / 2, frame.bottom - MARKER_SIZE - 3))
                continue
            top = y_of(value)
            parts.append(
                _bar(data, options, i, j, x + gap / 2, top, width - gap, frame.bottom - top)
            )
            if options.show_values:
                text = _format(value, options.decimals)
                if text_width(text) <= width + 4:
                    parts.append(_value_text(text, x + width / 2, top - 4, "middle"))
    return parts


def _total_title(data: _Data, options: _Options, i: int, total: float) -> str:
    text = _("%(label)s — total: %(value)s") % {
        "label": data.labels[i],
        "value": options.value(total),
    }
    if any(row[i] is None for row in data.values):
        text = _("%(total)s (without the suppressed values)") % {"total": text}
    return text


def _bars_horizontal(data: _Data, axis: _Axis, frame: _Frame, options: _Options) -> list[str]:
    count, k = len(data.labels), len(data.names)
    row = frame.plot_height / count
    scale = frame.plot_width / axis.maximum
    parts: list[str] = []
    for i in range(count):
        row_y = frame.top + i * row
        if options.stacked and k > 1:
            height = min(row * GROUP_FILL, MAX_ROW_BAR)
            y = row_y + (row - height) / 2
            running, markers, inner = 0.0, 0, []
            for j in range(k):
                value = data.values[j][i]
                if value is None:
                    continue
                start, end = frame.left + running * scale, frame.left + (running + value) * scale
                inner.append(_bar(data, options, i, j, start, y, end - start, height))
                running += value
            end_x = frame.left + running * scale
            for j in range(k):
                if data.values[j][i] is None:
                    x = end_x + MARKER_SIZE + 3 + markers * (2 * MARKER_SIZE + 3)
                    inner.append(_suppressed(data, i, j, x, y + height / 2))
                    markers += 1
            x = end_x + 4 + markers * (2 * MARKER_SIZE + 3)
            title = _total_title(data, options, i, running)
            inner.append(
                _value_text(_format(running, options.decimals), x, y + height / 2, "start", title)
            )
            parts.append(
                _el(
                    "g",
                    {
                        "class": "chart__stack",
                        "data-label": data.labels[i],
                        "data-total": _exact(running),
                    },
                    "".join(inner),
                )
            )
            continue
        group = min(row * GROUP_FILL, k * MAX_ROW_BAR)
        height = group / k
        gap = 1.0 if k > 1 else 0.0
        for j in range(k):
            y = row_y + (row - group) / 2 + j * height
            value = data.values[j][i]
            if value is None:
                parts.append(_suppressed(data, i, j, frame.left + MARKER_SIZE + 3, y + height / 2))
                continue
            length = value * scale
            parts.append(_bar(data, options, i, j, frame.left, y + gap / 2, length, height - gap))
            if options.show_values:
                text = _format(value, options.decimals)
                parts.append(_value_text(text, frame.left + length + 4, y + height / 2, "start"))
    return parts


def _marker(shape: str, x: float, y: float, attrs: Mapping[str, object], title: str) -> str:
    r = 3.5
    if shape == "circle":
        return _el("circle", {**attrs, "cx": _n(x), "cy": _n(y), "r": _n(r)}, title)
    if shape == "square":
        return _el(
            "rect",
            {**attrs, "x": _n(x - r), "y": _n(y - r), "width": _n(2 * r), "height": _n(2 * r)},
            title,
        )
    if shape == "diamond":
        d = r * 1.35
        path = f"M{_n(x)} {_n(y - d)}L{_n(x + d)} {_n(y)}L{_n(x)} {_n(y + d)}L{_n(x - d)} {_n(y)}Z"
    else:
        d = r * 1.3
        path = f"M{_n(x)} {_n(y - d)}L{_n(x + d)} {_n(y + d * 0.8)}L{_n(x - d)} {_n(y + d * 0.8)}Z"
    return _el("path", {**attrs, "d": path}, title)


def _lines(data: _Data, axis: _Axis, frame: _Frame, options: _Options) -> list[str]:
    count = len(data.labels)
    band = frame.plot_width / count
    scale = frame.plot_height / axis.maximum
    lines: list[str] = []
    points: list[str] = []
    for j, row in enumerate(data.values):
        runs: list[list[tuple[float, float]]] = [[]]
        markers_below = 0
        for i, value in enumerate(row):
            x = frame.left + (i + 0.5) * band
            if value is None:
                if runs[-1]:
                    runs.append([])
                y = frame.bottom - MARKER_SIZE - 3 - j * (2 * MARKER_SIZE + 3)
                points.append(_suppressed(data, i, j, x, y))
                markers_below += 1
                continue
            y = frame.bottom - value * scale
            runs[-1].append((x, y))
            attrs: dict[str, object] = {
                **_series_attrs(j, "point"),
                "data-value": data.exact[j][i],
                "data-label": data.labels[i],
                "data-series": data.names[j],
            }
            title = _title(data.point_title(i, j, options.value(value)))
            points.append(_marker(MARKERS[j % len(MARKERS)], x, y, attrs, title))
        for run in runs:
            if len(run) < 2:
                continue
            d = "M" + "L".join(f"{_n(x)} {_n(y)}" for x, y in run)
            lines.append(_el("path", {**_series_attrs(j, "line"), "d": d}))
    return lines + points


# --- The figure ------------------------------------------------------------------------------


def _swatch(j: int, kind: str) -> str:
    """The legend's sample of a series (its own classes: not counted as a bar or point)."""
    fill, edge = PALETTE[j]
    series = f"chart__series--{j + 1}"
    if kind == "line":
        line = {
            "class": f"chart__swatch-line {series}",
            "x1": "1",
            "y1": "8",
            "x2": "23",
            "y2": "8",
            "fill": "none",
            "stroke": fill,
        }
        point = {"class": f"chart__swatch-point {series}", "fill": fill, "stroke": "#ffffff"}
        inner = _el("line", line) + _marker(MARKERS[j % len(MARKERS)], 12, 8, point, "")
        width = 24
    else:
        rect = {
            "class": f"chart__swatch-fill {series}",
            "x": "1",
            "y": "2",
            "width": "14",
            "height": "12",
            "fill": fill,
            "stroke": edge,
        }
        inner = _el("rect", rect)
        width = 16
    return _swatch_svg(width, inner)


def _swatch_svg(width: int, inner: str) -> str:
    return _el(
        "svg",
        {
            "xmlns": SVG_NS,
            "class": "chart__swatch",
            "width": str(width),
            "height": "16",
            "viewBox": f"0 0 {width} 16",
            "aria-hidden": "true",
            "focusable": "false",
        },
        inner,
    )


def _legend(data: _Data, options: _Options) -> str:
    items = [
        _el(
            "li",
            {"class": "chart__legend-item"},
            _swatch(j, options.kind) + _el("span", None, escape(name or str(j + 1))),
        )
        for j, name in enumerate(data.names)
    ]
    if options.reference is not None:
        swatch = _swatch_svg(
            24,
            _el(
                "line",
                {
                    "class": "chart__swatch-reference",
                    "x1": "1",
                    "y1": "8",
                    "x2": "23",
                    "y2": "8",
                    "stroke": "#1f2329",
                    "stroke-dasharray": "6 4",
                },
            ),
        )
        text = options.value(options.reference)
        if options.reference_label:
            text = f"{options.reference_label} ({text})"
        items.append(
            _el(
                "li",
                {"class": "chart__legend-item chart__legend-item--reference"},
                swatch + _el("span", None, escape(text)),
            )
        )
    return _el("ul", {"class": "chart__legend"}, "".join(items))


def _figure(data: _Data, options: _Options) -> SafeString:
    classes = ["chart", f"chart--{options.kind}"]
    if options.horizontal:
        classes.append("chart--horizontal")
    if options.stacked:
        classes.append("chart--stacked")
    title = _el("span", {"class": "chart__title"}, escape(options.title))
    if data.empty:
        caption = _el("figcaption", {"class": "chart__caption"}, title)
        empty = _el("p", {"class": "chart__empty"}, escape(_("No data")))
        classes.append("chart--empty")
        return mark_safe(_el("figure", {"class": " ".join(classes)}, caption + empty))  # noqa: S308

    axis = _Axis.for_data(data, options)
    if options.horizontal:
        frame = _horizontal_frame(data, axis, options)
        row = frame.plot_height / len(data.labels)
        labels = _category_labels_side(data, frame, row)
        marks = _bars_horizontal(data, axis, frame, options)
    else:
        frame = _vertical_frame(data, axis, options)
        labels = _category_labels_vertical(data, frame)
        if options.kind == "line":
            marks = _lines(data, axis, frame, options)
        else:
            marks = _bars_vertical(data, axis, frame, options)

    cid = options.chart_id or _chart_id(
        options.kind,
        options.title,
        data.labels,
        data.names,
        data.exact,
        options.unit,
        options.reference,
        options.reference_label,
        options.stacked,
        options.horizontal,
        options.table_id,
        options.decimals,
        options.show_values,
    )
    body = [
        _el("title", {"id": f"{cid}-title"}, escape(options.title)),
        _el("desc", {"id": f"{cid}-desc"}, escape(_summary(data, options))),
        _el(
            "g",
            {"class": "chart__grid-lines"},
            "".join(_value_grid(frame, axis, options.horizontal)),
        ),
        _el("g", {"class": "chart__labels"}, "".join(labels)),
        _el("g", {"class": "chart__marks"}, "".join(marks)),
        _zero_line(frame, options.horizontal),
        _reference(data, frame, axis, options),
        _unit_label(frame, options),
    ]
    svg = _el(
        "svg",
        {
            "xmlns": SVG_NS,
            "class": "chart__svg",
            "viewBox": f"0 0 {_n(frame.width)} {_n(frame.height)}",
            "width": _n(frame.width),
            "height": _n(frame.height),
            "role": "img",
            "aria-labelledby": f"{cid}-title {cid}-desc",
            "aria-describedby": options.table_id or None,
            "font-size": str(FONT_SIZE),
            "font-family": "sans-serif",
        },
        "\n" + "\n".join(part for part in body if part) + "\n",
    )
    caption = _el("figcaption", {"class": "chart__caption"}, title + _legend(data, options))
    return mark_safe(  # noqa: S308 - every value above went through escape()
        _el("figure", {"class": " ".join(classes), "id": cid}, "\n" + caption + "\n" + svg + "\n")
    )


def _options(
    kind: str,
    *,
    title: str,
    unit: str,
    reference: float | None,
    reference_label: str,
    stacked: bool,
    horizontal: bool,
    table_id: str,
    chart_id: str,
    decimals: int,
    show_values: bool,
) -> _Options:
    checked = _checked(reference)
    if decimals < 0:
        raise ValueError("decimals cannot be negative")
    return _Options(
        kind=kind,
        title=_clean(title),
        unit=_clean(unit),
        reference=checked,
        reference_label=_clean(reference_label),
        stacked=stacked,
        horizontal=horizontal,
        table_id=_clean(table_id),
        chart_id=_clean(chart_id),
        decimals=decimals,
        show_values=show_values,
    )


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    reference: float | None = None,
    reference_label: str = "",
    stacked: bool = False,
    horizontal: bool = False,
    table_id: str = "",
    chart_id: str = "",
    decimals: int = 2,
    show_values: bool = False,
) -> SafeString:
    """A bar chart: one bar per label and series, side by side (or ``stacked``).

    ``horizontal`` puts the labels on the left (long names: provinces, occupation groups).
    ``reference`` draws a dashed line at that value (a statutory limit), labelled
    ``reference_label``. ``table_id`` is the id of the data table printed after the chart.
    ``chart_id`` fixes the element ids (default: derived from the input); ``decimals`` is
    the most decimals shown to people (``data-value`` is always exact); ``show_values``
    prints each value at its bar where it fits (stacked charts always print the totals).
    """
    options = _options(
        "bar",
        title=title,
        unit=unit,
        reference=reference,
        reference_label=reference_label,
        stacked=stacked,
        horizontal=horizontal,
        table_id=table_id,
        chart_id=chart_id,
        decimals=decimals,
        show_values=show_values,
    )
    return _figure(_prepare(labels, series), options)


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    reference: float | None = None,
    reference_label: str = "",
    table_id: str = "",
    chart_id: str = "",
    decimals: int = 2,
) -> SafeString:
    """A line chart: one line per series over the labels (months, years).

    A suppressed value (``None``) breaks the line and is marked by a "×" near the axis;
    each series has its own colour and marker shape. Options as for :func:`bar_chart`.
    """
    options = _options(
        "line",
        title=title,
        unit=unit,
        reference=reference,
        reference_label=reference_label,
        stacked=False,
        horizontal=False,
        table_id=table_id,
        chart_id=chart_id,
        decimals=decimals,
        show_values=False,
    )
    return _figure(_prepare(labels, series), options)
