"""The pure SVG charts: deterministic, escaped, accessible, and drawn where the maths says."""

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from assessments import charts
from assessments.charts import HeatRow, Series

NS = {"svg": "http://www.w3.org/2000/svg"}
SCRIPT = "<script>alert('x')</script> & co"

AXES = ["DevOps", "MLOps", "Culture does not yet see the need", "Lack of skilled people"]
RADAR_SERIES = [
    Series("This assessment", (34.2857, 12.5, 40.0, 28.9474)),
    Series("Target", (75.0, None, None, None)),
    Series("Previous", (20.0, 10.0, 50.0, 20.0)),
]
HEAT_ROWS = [
    HeatRow("Plan", (1, 0, 2, 0, 0), 30.0),
    HeatRow("Continuous integration and deployment", (2, 2, 1, 0, 1), 31.8182),
    HeatRow("Operate", (0, 0, 0, 0, 0), None),
]
DATES = ["12 Jan 2026", "3 Mar 2026", "20 Jun 2026"]
LINES = [Series("Overall", (20.0, 25.0, 34.06)), Series("DevOps", (22.0, None, 34.29))]

CHARTS: dict[str, Callable[[], str]] = {
    "radar": lambda: charts.radar(AXES, RADAR_SERIES, title="Radar"),
    "heatmap": lambda: charts.heatmap(HEAT_ROWS, title="Heatmap"),
    "line": lambda: charts.line_chart(DATES, LINES, title="History"),
    "empty radar": lambda: charts.radar([], [], title="Radar"),
    "empty heatmap": lambda: charts.heatmap([], title="Heatmap"),
    "empty line": lambda: charts.line_chart([], [], title="History"),
}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


@pytest.mark.parametrize("name", CHARTS)
def test_the_same_data_always_gives_the_same_bytes(name: str) -> None:
    assert CHARTS[name]() == CHARTS[name]()


@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_is_well_formed_and_names_itself(name: str) -> None:
    root = parse(CHARTS[name]())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"svg:title[@id='{title_id}']", NS) is not None
    desc = root.find(f"svg:desc[@id='{desc_id}']", NS)
    assert desc is not None and desc.text


@pytest.mark.parametrize("name", CHARTS)
def test_charts_need_nothing_from_outside(name: str) -> None:
    svg = CHARTS[name]()
    for banned in ("<script", "<style", "@import", "@font-face", "href", "url(", "<image"):
        assert banned not in svg
    assert svg.count("http") == 1  # the SVG namespace, nothing fetched


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty radar", "No scores to show"),
        ("empty heatmap", "Nothing to show"),
        ("empty line", "No results to show yet"),
    ],
)
def test_empty_data_gives_a_chart_that_says_so(name: str, message: str) -> None:
    assert message in CHARTS[name]()


@pytest.mark.parametrize(
    "draw",
    [
        lambda label: charts.radar(
            [label, "b", "c"], [Series(label, (1.0, 2.0, 3.0))], title=label
        ),
        lambda label: charts.heatmap([HeatRow(label, (1, 0, 0, 0, 0), 5.0)], title=label),
        lambda label: charts.line_chart([label], [Series(label, (5.0,))], title=label),
    ],
    ids=["radar", "heatmap", "line"],
)
def test_labels_are_escaped(draw: Callable[[str], str]) -> None:
    svg = draw(SCRIPT)
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert root.find("svg:title", NS).text == SCRIPT  # type: ignore[union-attr]
    assert any(SCRIPT in "".join(el.itertext()) for el in root.iter())


def test_characters_xml_cannot_carry_are_dropped() -> None:
    svg = charts.radar(["a\x00b\x1fc", "d", "e"], [Series("s", (1.0, 2.0, 3.0))], title="t\x07")
    root = parse(svg)
    assert root.find("svg:title", NS).text == "t"  # type: ignore[union-attr]
    assert "abc" in svg


@pytest.mark.parametrize(
    ("index", "count", "percent", "expected"),
    [
        # axis 0 points straight up: 50% is half the radius above the centre
        (0, 4, 50.0, (charts.RADAR.cx, charts.RADAR.cy - charts.RADAR.r * 0.5)),
        (0, 7, 100.0, (charts.RADAR.cx, charts.RADAR.cy - charts.RADAR.r)),
        # then clockwise: a quarter turn is to the right, half a turn straight down
        (1, 4, 100.0, (charts.RADAR.cx + charts.RADAR.r, charts.RADAR.cy)),
        (2, 4, 20.0, (charts.RADAR.cx, charts.RADAR.cy + charts.RADAR.r * 0.2)),
        (3, 4, 0.0, (charts.RADAR.cx, charts.RADAR.cy)),
        # out of range is clamped to the rim and the centre
        (0, 4, 150.0, (charts.RADAR.cx, charts.RADAR.cy - charts.RADAR.r)),
        (1, 4, -10.0, (charts.RADAR.cx, charts.RADAR.cy)),
    ],
)
def test_radar_points_lie_where_computed_by_hand(
    index: int, count: int, percent: float, expected: tuple[float, float]
) -> None:
    x, y = charts.RADAR.point(index, count, percent)
    assert math.isclose(x, expected[0], abs_tol=1e-9)
    assert math.isclose(y, expected[1], abs_tol=1e-9)


def test_the_radar_draws_its_first_vertex_half_way_up_for_fifty_percent() -> None:
    svg = charts.radar(["a", "b", "c", "d"], [Series("s", (50.0, 0.0, 0.0, 0.0))], title="t")
    geo = charts.RADAR
    vertex = f"{charts.num(geo.cx)},{charts.num(geo.cy - geo.r * 0.5)}"  # "360,197.5"
    assert vertex == "360,197.5"
    polygons = [
        el.get("points", "") for el in parse(svg).iter("{http://www.w3.org/2000/svg}polygon")
    ]
    assert any(points.startswith(vertex + " ") for points in polygons)


def test_a_radar_series_with_gaps_is_drawn_as_markers_only() -> None:
    svg = charts.radar(AXES, RADAR_SERIES[:2], title="t")
    root = parse(svg)
    filled = [el for el in root.iter("{http://www.w3.org/2000/svg}polygon") if el.get("stroke")]
    assert len(filled) == 1  # the complete series; the target (3 gaps) has no outline


def test_a_gap_breaks_a_line() -> None:
    svg = charts.line_chart(["a", "b", "c", "d"], [Series("s", (1.0, 2.0, None, 4.0))], title="t")
    lines = list(parse(svg).iter("{http://www.w3.org/2000/svg}polyline"))
    assert len(lines) == 1  # a-b joined; d stands alone as a marker


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (12.5, "12.5"), (3.14159, "3.14"), (-0.004, "0"), (100.0, "100"), (0.1, "0.1")],
)
def test_numbers_are_written_with_at_most_two_decimals(value: float, text: str) -> None:
    assert charts.num(value) == text


@pytest.mark.parametrize(
    ("percent", "band"),
    [(0.0, 0), (19.99, 0), (20.0, 1), (59.9, 2), (80.0, 4), (100.0, 4), (130.0, 4), (-5.0, 0)],
)
def test_score_bands(percent: float, band: int) -> None:
    assert charts.score_band(percent) == band


@pytest.mark.parametrize(
    ("text", "width", "most", "lines"),
    [
        ("DevOps", 22, 3, ["DevOps"]),
        ("Culture does not yet see the need", 22, 3, ["Culture does not yet", "see the need"]),
        ("a b c d e f", 3, 2, ["a b", "c d\u2026"]),
        ("", 10, 2, [""]),
    ],
)
def test_labels_wrap_at_spaces(text: str, width: int, most: int, lines: list[str]) -> None:
    assert charts.wrap_lines(text, width, most) == lines


@pytest.mark.parametrize(
    "draw",
    [
        lambda: charts.radar(["a", "b"], [Series("s", (1.0,))], title="t"),
        lambda: charts.heatmap([HeatRow("r", (1, 2))], title="t"),
        lambda: charts.line_chart(["a"], [Series("s", (1.0, 2.0))], title="t"),
    ],
    ids=["radar", "heatmap", "line"],
)
def test_data_of_the_wrong_shape_is_refused(draw: Callable[[], str]) -> None:
    with pytest.raises(ValueError, match="has"):
        draw()


def test_heatmap_cells_are_shaded_by_their_share_of_the_row() -> None:
    svg = charts.heatmap([HeatRow("r", (0, 1, 0, 0, 1))], title="t")
    assert charts._shade(0.5) in svg  # both filled cells hold half of the row
    assert charts._shade(0.0) == "#ffffff" and charts._shade(1.0) == "#0072b2"


@pytest.mark.parametrize("share", [None, *(n / 100 for n in range(0, 101))])
def test_every_heat_shade_keeps_its_figure_readable(share: float | None) -> None:
    style = charts.heat_style(share)
    found = re.fullmatch(r"background:(#\w{6});color:(#\w{6})", style)
    assert found is not None, style
    assert charts.contrast(*found.groups()) >= 4.5  # WCAG 2.2 AA for text


def test_the_counts_of_a_heatmap_read_at_4_5_to_1_on_their_shade() -> None:
    # 11 of 20 in one column: a 55% shade, where white ink read at 2.3:1.
    svg = charts.heatmap([HeatRow("r", (11, 9, 0, 0, 0))], title="t")
    shade = charts._shade(11 / 20)
    ink = re.search(rf'fill="{shade}"[^>]*/>\s*<text[^>]*fill="(#\w{{6}})"', svg)
    assert ink is not None, svg
    assert ink.group(1) == "#000000"
    assert charts.contrast(ink.group(1), shade) >= 4.5
    assert charts.contrast("#ffffff", shade) < 4.5


def test_the_text_alternative_spells_out_every_figure() -> None:
    desc = parse(CHARTS["radar"]()).find("svg:desc", NS).text or ""  # type: ignore[union-attr]
    assert "DevOps: 34.3%" in desc and "MLOps: no score" in desc
    desc = parse(CHARTS["heatmap"]()).find("svg:desc", NS).text or ""  # type: ignore[union-attr]
    assert "Plan: 1 in 0-20%, 0 in 20-40%, 2 in 40-60%" in desc and "score 30.0%" in desc
