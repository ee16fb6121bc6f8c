"""Server-rendered SVG charts of results: a radar, a heatmap and a line chart.

Pure (standard library only) and deterministic: the same data always gives the same bytes, so
a report's ETag is stable. No ids are random, no clock is read, and every number is written
with at most two decimals. Every label is XML-escaped. Each chart is self-contained (no
scripts, no external fonts or stylesheets), names itself with <title> and <desc> (the desc
spells out every figure, as a text alternative) and draws in greys plus dash patterns and
marker shapes as well as colours, so it still reads when printed in black and white.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#c8ccd1"
# Okabe-Ito: told apart with the common kinds of colour blindness.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 2", "1 2", "12 4")
MARKERS = ("circle", "square", "diamond", "triangle")
CHAR_WIDTH = 0.56  # of the font size: a generous average for a sans-serif face

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- a small SVG builder ---------------------------------------------------------------------


def num(value: float) -> str:
    """A coordinate as text: two decimals at most, no trailing zeros, never '-0'."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def pct(value: float) -> str:
    return f"{value:.1f}%"


def escape(text: str, *, quote: bool = False) -> str:
    """XML-escape text; characters XML 1.0 cannot carry at all are dropped."""
    text = _NOT_XML.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


Attr = str | float | int


@dataclass
class Element:
    tag: str
    attrs: dict[str, Attr] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    def add(self, tag: str, text: str | None = None, **attrs: Attr) -> Element:
        """Append a child; `text_anchor=...` is written `text-anchor`, `class_` `class`."""
        child = Element(tag, {name.rstrip("_").replace("_", "-"): v for name, v in attrs.items()})
        if text is not None:
            child.children.append(text)
        self.children.append(child)
        return child

    def render(self) -> str:
        attrs = "".join(f' {name}="{_attr(value)}"' for name, value in self.attrs.items())
        if not self.children:
            return f"<{self.tag}{attrs}/>"
        texts = any(isinstance(child, str) for child in self.children)
        inner = (child if isinstance(child, Element) else escape(child) for child in self.children)
        parts = [part.render() if isinstance(part, Element) else part for part in inner]
        joined = "".join(parts) if texts else "\n" + "\n".join(parts) + "\n"
        return f"<{self.tag}{attrs}>{joined}</{self.tag}>"


def _attr(value: Attr) -> str:
    return num(value) if isinstance(value, float) else escape(str(value), quote=True)


def _svg(width: float, height: float, id_prefix: str, title: str, desc: str) -> Element:
    svg = Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {num(width)} {num(height)}",
            "width": float(width),
            "height": float(height),
            "role": "img",
            "aria-labelledby": f"{id_prefix}-title {id_prefix}-desc",
            "font-family": FONT,
            "font-size": 12,
            "fill": INK,
        },
    )
    svg.add("title", title, id=f"{id_prefix}-title")
    svg.add("desc", desc, id=f"{id_prefix}-desc")
    svg.add("rect", x=0, y=0, width=float(width), height=float(height), fill="#ffffff")
    svg.add("text", title, x=16, y=24, font_size=15, font_weight="bold")
    return svg


def wrap(text: str, width: int) -> list[str]:
    """Break text into lines of about `width` characters at spaces (long words are kept)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines or [""]


def wrap_lines(text: str, width: int, most: int) -> list[str]:
    """Like `wrap`, but at most `most` lines: the last one ends in an ellipsis if cut."""
    lines = wrap(text, width)
    if len(lines) <= most:
        return lines
    return [*lines[: most - 1], lines[most - 1] + "\u2026"]


def text_width(text: str, size: float = 12) -> float:
    return len(text) * size * CHAR_WIDTH


def _marker(parent: Element, shape: str, x: float, y: float, colour: str, size: float = 4) -> None:
    if shape == "square":
        parent.add("rect", x=x - size, y=y - size, width=2 * size, height=2 * size, fill=colour)
    elif shape == "diamond":
        s = size * 1.3
        corners = [(x, y - s), (x + s, y), (x, y + s), (x - s, y)]
        parent.add("polygon", points=_points(corners), fill=colour)
    elif shape == "triangle":
        s = size * 1.25
        corners = [(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)]
        parent.add("polygon", points=_points(corners), fill=colour)
    else:
        parent.add("circle", cx=x, cy=y, r=size, fill=colour)


@dataclass(frozen=True)
class Series:
    """A named row of percentages (0-100); None where there is no figure."""

    name: str
    values: tuple[float | None, ...]


def _style(index: int) -> tuple[str, str, str]:
    return (
        PALETTE[index % len(PALETTE)],
        DASHES[index % len(DASHES)],
        MARKERS[index % len(MARKERS)],
    )


def _legend(parent: Element, names: Sequence[str], *, x: float, y: float, width: float) -> float:
    """Legend entries left to right, wrapping; returns the y below the last row."""
    left, row = x, y
    for index, name in enumerate(names):
        colour, dash, shape = _style(index)
        entry = 44 + text_width(name)
        if left > x and left + entry > x + width:
            left, row = x, row + 20
        group = parent.add("g")
        line = group.add(
            "line", x1=left, y1=row, x2=left + 28, y2=row, stroke=colour, stroke_width=2.5
        )
        if dash:
            line.attrs["stroke-dasharray"] = dash
        _marker(group, shape, left + 14, row, colour, 3.5)
        group.add("text", name, x=left + 34, y=row + 4)
        left += entry + 12
    return row + 20


def _clamp(value: float) -> float:
    return min(max(value, 0.0), 100.0)


def _figures(labels: Sequence[str], values: Sequence[float | None]) -> str:
    return "; ".join(
        f"{label}: {'no score' if value is None else pct(value)}"
        for label, value in zip(labels, values, strict=True)
    )


def _empty(svg: Element, width: float, y: float, message: str) -> str:
    svg.add("text", message, x=width / 2, y=y, text_anchor="middle", fill=MUTED, font_size=14)
    return svg.render()


# --- radar -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RadarGeometry:
    cx: float
    cy: float
    r: float

    def point(self, index: int, count: int, percent: float) -> tuple[float, float]:
        """Where `percent` lies on axis `index` of `count`: axis 0 points up, then clockwise."""
        angle = -math.pi / 2 + 2 * math.pi * index / count
        distance = self.r * _clamp(percent) / 100
        return self.cx + distance * math.cos(angle), self.cy + distance * math.sin(angle)


RADAR_WIDTH = 720.0
RADAR = RadarGeometry(cx=360.0, cy=280.0, r=165.0)
RADAR_RINGS = (20, 40, 60, 80, 100)
RADAR_LABEL_CHARS = 22


def radar(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    id_prefix: str = "radar",
) -> str:
    """Percentages on spokes, one polygon per series (the first filled).

    A series with a gap is drawn as markers only: a polygon would join figures across it.
    """
    for item in series:
        if len(item.values) != len(axes):
            raise ValueError(
                f"series {item.name!r} has {len(item.values)} values for {len(axes)} axes"
            )
    geo = RADAR
    summary = " ".join(f"{item.name}: {_figures(axes, item.values)}." for item in series)
    desc = " ".join(part for part in (description, summary) if part) or "No scores."
    height = geo.cy + geo.r + 80 + 22 * max(1, math.ceil(len(series) / 3))
    svg = _svg(RADAR_WIDTH, height, id_prefix, title, desc)
    count = len(axes)
    if count == 0:
        return _empty(svg, RADAR_WIDTH, geo.cy, "No scores to show")

    grid = svg.add("g", fill="none", stroke=GRID, stroke_width=1)
    for ring in RADAR_RINGS:
        corners = [geo.point(i, count, ring) for i in range(count)]
        if count >= 3:
            grid.add("polygon", points=_points(corners))
        else:
            grid.add("circle", cx=geo.cx, cy=geo.cy, r=geo.r * ring / 100)
    for i in range(count):
        x, y = geo.point(i, count, 100)
        grid.add("line", x1=geo.cx, y1=geo.cy, x2=x, y2=y)
    # Ring labels run up the middle of the last sector, clear of every spoke and its markers.
    ticks = svg.add("g", fill=MUTED, font_size=10, text_anchor="middle")
    for ring in RADAR_RINGS:
        if count >= 2:
            x, y = geo.point(2 * count - 1, 2 * count, ring)
        else:
            x, y = geo.cx + 16, geo.cy - geo.r * ring / 100
        ticks.add("text", f"{ring}%", x=x, y=y + 3)

    for index, item in enumerate(series):
        colour, dash, shape = _style(index)
        group = svg.add("g")
        present = [(i, v) for i, v in enumerate(item.values) if v is not None]
        if len(present) == count and count >= 2:
            shape_el = group.add(
                "polygon",
                points=_points([geo.point(i, count, v) for i, v in present]),
                fill=colour if index == 0 else "none",
                fill_opacity=0.15 if index == 0 else 1,
                stroke=colour,
                stroke_width=2.5 if index == 0 else 2,
                stroke_linejoin="round",
            )
            if dash:
                shape_el.attrs["stroke-dasharray"] = dash
        for i, value in present:
            x, y = geo.point(i, count, value)
            _marker(group, shape, x, y, colour)

    labels = svg.add("g", font_size=12)
    first = series[0].values if series else (None,) * count
    for i, name in enumerate(axes):
        angle = -math.pi / 2 + 2 * math.pi * i / count
        cos, sin = math.cos(angle), math.sin(angle)
        x = geo.cx + (geo.r + 14) * cos
        y = geo.cy + (geo.r + 14) * sin
        anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
        lines = wrap_lines(name, RADAR_LABEL_CHARS, 3)
        figure = first[i]
        rows = len(lines) + (1 if figure is not None else 0)
        # Labels above the centre grow upwards, those below downwards, the rest are centred.
        if sin < -0.2:
            top = y - (rows - 1) * 14
        elif sin > 0.2:
            top = y + 10
        else:
            top = y + 4 - (rows - 1) * 7
        text = labels.add("text", x=x, y=top, text_anchor=anchor)
        for n, line in enumerate(lines):
            text.add("tspan", line, x=x, dy=0 if n == 0 else 14)
        if figure is not None:
            text.add("tspan", pct(figure), x=x, dy=14, font_weight="bold")

    if series:
        _legend(
            svg,
            [item.name for item in series],
            x=40,
            y=geo.cy + geo.r + 76,
            width=RADAR_WIDTH - 80,
        )
    return svg.render()


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in points)


# --- heatmap ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeatRow:
    """One row: a label, a count per column and an optional overall figure (percent)."""

    label: str
    counts: tuple[int, ...]
    percent: float | None = None


SCORE_BANDS = ("0-20%", "20-40%", "40-60%", "60-80%", "80-100%")


def score_band(percent: float, bands: int = len(SCORE_BANDS)) -> int:
    """The band of a percentage: [0, 20) is 0, ..., [80, 100] is the last."""
    return min(int(_clamp(percent) * bands // 100), bands - 1)


# Heat shades run from white to the palette's blue.
HEAT_LOW, HEAT_HIGH = (255, 255, 255), (0, 0x72, 0xB2)


def _heat_rgb(share: float) -> tuple[int, int, int]:
    r, g, b = (round(a + (z - a) * share) for a, z in zip(HEAT_LOW, HEAT_HIGH, strict=True))
    return r, g, b


def _shade(share: float) -> str:
    """White to the palette's blue, by share (0-1)."""
    return "#" + "".join(f"{c:02x}" for c in _heat_rgb(share))


def luminance(colour: str) -> float:
    """The relative luminance of "#rrggbb" (WCAG 2.2)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two "#rrggbb" colours (1 to 21)."""
    dark, light = sorted((luminance(first), luminance(second)))
    return (light + 0.05) / (dark + 0.05)


def ink_on(background: str) -> str:
    """Black or white, whichever reads better on `background`: one of the two always reaches
    4.5:1 (WCAG AA for text; they meet near luminance 0.18). The palette's ink is not dark
    enough for the middle of the heat shades."""
    return (
        "#000000"
        if contrast("#000000", background) >= contrast("#ffffff", background)
        else "#ffffff"
    )


def heat_style(share: float | None) -> str:
    """The inline style of a heat cell: its shade by `share` (0-1) and readable ink on it;
    a cell without a figure is pale grey."""
    if share is None:
        return f"background:#f6f8fa;color:{INK}"
    background = _shade(max(0.0, min(share, 1.0)))
    return f"background:{background};color:{ink_on(background)}"


HEAT_LABEL_WIDTH = 200.0
HEAT_CELL = (70.0, 34.0)


def heatmap(
    rows: Sequence[HeatRow],
    *,
    columns: Sequence[str] = SCORE_BANDS,
    title: str,
    description: str = "",
    id_prefix: str = "heatmap",
    total_label: str = "Score",
) -> str:
    """A grid of counts, each cell shaded by its share of the row; the row's figure at its end."""
    for row in rows:
        if len(row.counts) != len(columns):
            raise ValueError(
                f"row {row.label!r} has {len(row.counts)} counts for {len(columns)} columns"
            )
    cell_w, cell_h = HEAT_CELL
    left, top = 16 + HEAT_LABEL_WIDTH, 76.0
    bar_x = left + cell_w * len(columns) + 16
    width = bar_x + 160
    height = top + cell_h * max(1, len(rows)) + 44
    summary = " ".join(
        f"{row.label}: "
        + ", ".join(
            f"{count} in {column}" for column, count in zip(columns, row.counts, strict=True)
        )
        + ("" if row.percent is None else f", score {pct(row.percent)}")
        + "."
        for row in rows
    )
    desc = " ".join(part for part in (description, summary) if part) or "No rows."
    svg = _svg(width, height, id_prefix, title, desc)
    if not rows:
        return _empty(svg, width, top + 20, "Nothing to show")

    head = svg.add("g", fill=MUTED, font_size=11, text_anchor="middle")
    for c, column in enumerate(columns):
        head.add("text", column, x=left + cell_w * (c + 0.5), y=top - 10)
    head.add("text", total_label, x=bar_x, y=top - 10, text_anchor="start")

    body = svg.add("g")
    for r, row in enumerate(rows):
        y = top + cell_h * r
        lines = wrap_lines(row.label, 30, 2)
        label = body.add(
            "text", x=left - 10, y=y + cell_h / 2 + 4 - (len(lines) - 1) * 7, text_anchor="end"
        )
        for n, line in enumerate(lines):
            label.add("tspan", line, x=left - 10, dy=0 if n == 0 else 14)
        total = sum(row.counts)
        for c, count in enumerate(row.counts):
            share = count / total if total else 0.0
            x = left + cell_w * c
            body.add(
                "rect",
                x=x,
                y=y,
                width=cell_w,
                height=cell_h,
                fill=_shade(share),
                stroke="#ffffff",
                stroke_width=2,
            )
            if count:
                body.add(
                    "text",
                    str(count),
                    x=x + cell_w / 2,
                    y=y + cell_h / 2 + 4,
                    text_anchor="middle",
                    font_weight="bold",
                    fill=ink_on(_shade(share)),
                )
        body.add(
            "rect", x=bar_x, y=y + 8, width=100.0, height=cell_h - 16, fill="none", stroke=GRID
        )
        if row.percent is not None:
            body.add(
                "rect",
                x=bar_x,
                y=y + 8,
                width=_clamp(row.percent),
                height=cell_h - 16,
                fill=PALETTE[0],
                fill_opacity=0.35,
            )
            body.add(
                "text", pct(row.percent), x=bar_x + 108, y=y + cell_h / 2 + 4, font_weight="bold"
            )
        else:
            body.add("text", "no score", x=bar_x + 108, y=y + cell_h / 2 + 4, fill=MUTED)
    svg.add(
        "text",
        "Questions per score band; the darker the cell, the larger its share of the row.",
        x=16,
        y=height - 14,
        fill=MUTED,
        font_size=11,
    )
    return svg.render()


# --- line chart ------------------------------------------------------------------------------

LINE_WIDTH = 720.0
LINE_PLOT = (64.0, 52.0, 680.0, 292.0)  # left, top, right, bottom
LINE_MAX_LABELS = 6


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    id_prefix: str = "history",
) -> str:
    """Percentages over evenly spaced points (e.g. results in order); gaps break a line."""
    for item in series:
        if len(item.values) != len(labels):
            raise ValueError(
                f"series {item.name!r} has {len(item.values)} values for {len(labels)} points"
            )
    x0, y0, x1, y1 = LINE_PLOT
    summary = " ".join(f"{item.name}: {_figures(labels, item.values)}." for item in series)
    desc = " ".join(part for part in (description, summary) if part) or "No results."
    legend_rows = max(1, math.ceil(sum(44 + text_width(s.name) + 12 for s in series) / (x1 - x0)))
    height = y1 + 56 + 20 * legend_rows
    svg = _svg(LINE_WIDTH, height, id_prefix, title, desc)
    if not labels or not series:
        return _empty(svg, LINE_WIDTH, (y0 + y1) / 2, "No results to show yet")

    def ypos(value: float) -> float:
        return y1 - (y1 - y0) * _clamp(value) / 100

    count = len(labels)

    def xpos(index: int) -> float:
        return (x0 + x1) / 2 if count == 1 else x0 + 16 + (x1 - x0 - 32) * index / (count - 1)

    grid = svg.add("g", stroke=GRID, stroke_width=1)
    axis = svg.add("g", fill=MUTED, font_size=10, text_anchor="end")
    for tick in (0, 20, 40, 60, 80, 100):
        grid.add("line", x1=x0, y1=ypos(tick), x2=x1, y2=ypos(tick))
        axis.add("text", f"{tick}%", x=x0 - 6, y=ypos(tick) + 3)
    step = max(1, math.ceil(count / LINE_MAX_LABELS))
    shown = list(range(0, count, step))
    if shown[-1] != count - 1:
        if count - 1 - shown[-1] < step and len(shown) > 1:
            shown.pop()  # the last label always shows; its neighbour would collide with it
        shown.append(count - 1)
    ticks = svg.add("g", fill=MUTED, font_size=10, text_anchor="middle")
    for index in shown:
        ticks.add("text", labels[index], x=xpos(index), y=y1 + 16)
        grid.add("line", x1=xpos(index), y1=y1, x2=xpos(index), y2=y1 + 4)

    for index, item in enumerate(series):
        colour, dash, shape = _style(index)
        group = svg.add("g")
        run: list[tuple[float, float]] = []
        runs: list[list[tuple[float, float]]] = [run]
        for i, value in enumerate(item.values):
            if value is None:
                run = []
                runs.append(run)
            else:
                run.append((xpos(i), ypos(value)))
        for points in runs:
            if len(points) >= 2:
                line = group.add(
                    "polyline",
                    points=_points(points),
                    fill="none",
                    stroke=colour,
                    stroke_width=3 if index == 0 else 2,
                    stroke_linejoin="round",
                )
                if dash:
                    line.attrs["stroke-dasharray"] = dash
            for x, y in points:
                _marker(group, shape, x, y, colour, 4 if index == 0 else 3.5)
    _legend(svg, [item.name for item in series], x=x0, y=y1 + 44, width=x1 - x0)
    return svg.render()
