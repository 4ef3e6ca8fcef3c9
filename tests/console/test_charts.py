"""Server-drawn SVG charts: escaped labels, gaps for missing values, empty data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pipeline.console.charts import bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_line_chart_is_valid_svg_with_escaped_labels_and_gaps() -> None:
    svg = line_chart(
        "Score <per agent>",
        ["2024-05-01", "2024-05-02", "2024-05-03"],
        {"A01 & co": [60.0, None, 80.0], "B07": [90.0, 100.0, 100.0]},
        y_max=100.0,
    )
    root = ET.fromstring(str(svg))
    assert "<script" not in svg and "&lt;per agent&gt;" in svg and "A01 &amp; co" in svg
    circles = root.findall(f".//{SVG}circle")
    assert len(circles) == 5  # the missing value draws no point
    assert len(root.findall(f".//{SVG}polyline")) == 2


def test_empty_charts_render() -> None:
    ET.fromstring(str(line_chart("Nothing", [], {})))
    root = ET.fromstring(
        str(bar_chart("Precision", [("rule-a", None), ("rule-b", 0.75)], unit="%"))
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "no verdict" in texts and "75%" in texts
