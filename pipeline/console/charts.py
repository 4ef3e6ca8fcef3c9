"""Charts as inline SVG, drawn on the server: a line chart over days and a horizontal bar chart.

No script and no chart library: each chart is a few dozen SVG elements with escaped labels, and
each series carries a ``<title>`` so hovering names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

WIDTH_PX = 640
HEIGHT_PX = 220
MARGIN_LEFT_PX = 48
MARGIN_RIGHT_PX = 150  # room for the legend
MARGIN_TOP_PX = 34  # room for the title
MARGIN_BOTTOM_PX = 34
BAR_HEIGHT_PX = 18
BAR_GAP_PX = 6
BAR_LABEL_PX = 210
# Colour-blind-safe palette (Okabe and Ito).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000")
MAX_X_LABELS = 8


def _nice_max(value: float) -> float:
    """A round upper bound for an axis at or above ``value``."""
    if value <= 0:
        return 1.0
    step = 10 ** len(str(int(value))) / 10
    for factor in (1, 2, 2.5, 5, 10):
        if value <= step * factor:
            return step * factor
    return value


def line_chart(
    title: str,
    days: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    unit: str = "",
    y_max: float | None = None,
) -> Markup:
    """A line per series over ``days`` (None values leave a gap); the legend on the right."""
    width, height = WIDTH_PX, HEIGHT_PX
    left, right = MARGIN_LEFT_PX, width - MARGIN_RIGHT_PX
    top, bottom = MARGIN_TOP_PX, height - MARGIN_BOTTOM_PX
    values = [v for vs in series.values() for v in vs if v is not None]
    top_value = y_max if y_max is not None else _nice_max(max(values, default=0.0))
    n = len(days)

    def x(i: int) -> float:
        return left + (right - left) * (i / (n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return bottom - (bottom - top) * min(v, top_value) / top_value

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="12" y="20" class="chart-title">{escape(title)}</text>',
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" class="axis"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" class="axis"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        value = top_value * frac
        parts.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" class="tick" text-anchor="end">'
            f"{value:g}{escape(unit)}</text>"
        )
    label_every = max(1, -(-n // MAX_X_LABELS))
    for i, day in enumerate(days):
        if i % label_every == 0 or i == n - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{bottom + 16}" class="tick" text-anchor="middle">'
                f"{escape(day[5:])}</text>"
            )
    for k, (name, vs) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        points = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<g class="series"><title>{escape(name)}</title>')
        if len(points) > 1:
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        parts.append("</g>")
        ly = top + 14 * k + 6
        parts.append(
            f'<rect x="{right + 12}" y="{ly - 8}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{right + 26}" y="{ly + 1}" class="legend">{escape(name[:18])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    title: str, items: Sequence[tuple[str, float | None]], *, unit: str = "", x_max: float = 1.0
) -> Markup:
    """One horizontal bar per item (None: an empty bar marked "no verdict")."""
    width = WIDTH_PX
    height = MARGIN_TOP_PX + len(items) * (BAR_HEIGHT_PX + BAR_GAP_PX) + 10
    left, right = BAR_LABEL_PX, width - 60
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text x="12" y="20" class="chart-title">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = MARGIN_TOP_PX + i * (BAR_HEIGHT_PX + BAR_GAP_PX)
        parts.append(
            f'<text x="{left - 8}" y="{y + 13}" class="legend" text-anchor="end">'
            f"{escape(label[:32])}</text>"
            f'<rect x="{left}" y="{y}" width="{right - left}" height="{BAR_HEIGHT_PX}" '
            'class="track"/>'
        )
        if value is None:
            parts.append(f'<text x="{left + 6}" y="{y + 13}" class="tick">no verdict</text>')
            continue
        length = (right - left) * max(0.0, min(value, x_max)) / x_max
        colour = PALETTE[0] if value >= 0.5 * x_max else PALETTE[3]
        shown = f"{value * 100:.0f}%" if unit == "%" else f"{value:g}{escape(unit)}"
        parts.append(
            f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT_PX}" '
            f'fill="{colour}"><title>{escape(label)}: {shown}</title></rect>'
            f'<text x="{right + 6}" y="{y + 13}" class="tick">{shown}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
