"""Inline SVG charts for the HTML report: no JavaScript library, no network, no fonts to fetch.

Hand-made bars instead of Altair + vl-convert: on the demo, vl-convert needs ~5 s to import
and ~0.25 s and ~10 KB per chart; these take microseconds and ~1-2 KB, and they scale with
the page (``viewBox``) and carry ``<title>`` tooltips and an ``aria-label``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

PALETTE = {"ok": "#2a9d8f", "warn": "#e9c46a", "fail": "#e76f51", "muted": "#8d99ae",
           "accent": "#264653"}
#: consent states, in the order they are stacked, with their colours
CONSENT_COLORS = {"opted_in": "#2a9d8f", "pending": "#e9c46a", "opted_out": "#e76f51",
                  "unknown": "#b8c0cc"}
ROW = 22
LABEL_W = 215
BAR_W = 360
VALUE_W = 70


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def hbars(items: Iterable[tuple[str, float]], *, label: str, color: str = PALETTE["accent"],
          limit: int = 20, percent: bool = False) -> str:
    """Horizontal bars, one per ``(label, value)``; ``percent`` for values in 0..1."""
    data: Sequence[tuple[str, float]] = list(items)[:limit]
    if not data:
        return ""
    top = 1.0 if percent else max((v for _, v in data), default=0) or 1
    height = ROW * len(data) + 4
    width = LABEL_W + BAR_W + VALUE_W
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="{escape(label)}" '
             'xmlns="http://www.w3.org/2000/svg">']
    for i, (name, value) in enumerate(data):
        y = i * ROW + 2
        w = max(1.0, BAR_W * float(value) / top) if value else 0
        text = f"{value:.0%}" if percent else _fmt(value)
        short = name if len(name) <= 30 else name[:29] + "…"
        parts.append(
            f'<g><title>{escape(name)}: {text}</title>'
            f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">{escape(short)}</text>'
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{w:.1f}" height="{ROW - 6}" rx="2" '
            f'fill="{color}"/>'
            f'<text x="{LABEL_W + w + 6:.1f}" y="{y + 15}">{text}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def stacked(rows: Iterable[tuple[str, dict[str, int]]], *, label: str,
            colors: dict[str, str] | None = None) -> str:
    """One 100% stacked bar per row (e.g. consent states per channel) with a legend."""
    colors = colors or CONSENT_COLORS
    data = list(rows)
    if not data:
        return ""
    keys = list(colors) + sorted({k for _, parts in data for k in parts} - set(colors))
    height = ROW * len(data) + 28
    width = LABEL_W + BAR_W + VALUE_W
    out = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="{escape(label)}" '
           'xmlns="http://www.w3.org/2000/svg">']
    for i, (name, parts) in enumerate(data):
        y = i * ROW + 2
        total = sum(parts.values()) or 1
        x = float(LABEL_W)
        out.append(f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">'
                   f'{escape(name)}</text>')
        for key in keys:
            n = parts.get(key, 0)
            if not n:
                continue
            w = BAR_W * n / total
            out.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW - 6}" '
                       f'fill="{colors.get(key, PALETTE["muted"])}"><title>{escape(name)} '
                       f'{escape(key)}: {n:,} ({n / total:.0%})</title></rect>')
            x += w
        out.append(f'<text x="{LABEL_W + BAR_W + 6}" y="{y + 15}">{total:,}</text>')
    x, y = float(LABEL_W), ROW * len(data) + 16
    for key in keys:
        if not any(parts.get(key) for _, parts in data):
            continue
        out.append(f'<rect x="{x:.0f}" y="{y - 9}" width="10" height="10" '
                   f'fill="{colors.get(key, PALETTE["muted"])}"/>'
                   f'<text x="{x + 14:.0f}" y="{y}">{escape(key)}</text>')
        x += 24 + 7 * len(key)
    out.append("</svg>")
    return "".join(out)


def histogram(bins: Sequence[tuple[float, int]], *, label: str, width: float = 1.0,
              marks: Sequence[tuple[float, str]] = (), color: str = PALETTE["accent"]) -> str:
    """Vertical bars, one per ``(lower edge, count)`` bin of ``width``; ``marks`` are
    ``(x, text)`` dashed lines (thresholds) drawn where they fall in the range."""
    if not bins:
        return ""
    plot_w, plot_h, pad_l, pad_t = 600, 160, 50, 12 + 13 * len(marks)
    lo, hi = bins[0][0], bins[-1][0] + width
    top = max(n for _, n in bins) or 1
    col = plot_w / len(bins)
    base = pad_t + plot_h
    out = [f'<svg class="chart" viewBox="0 0 {pad_l + plot_w + 10} {base + 20}" '
           f'width="{pad_l + plot_w + 10}" height="{base + 20}" role="img" '
           f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
           f'<text x="{pad_l - 6}" y="{pad_t + 6}" text-anchor="end">{top:,}</text>',
           f'<text x="{pad_l - 6}" y="{base}" text-anchor="end">0</text>']
    for i, (edge, n) in enumerate(bins):
        h = plot_h * n / top
        out.append(f'<rect x="{pad_l + i * col + 0.5:.1f}" y="{base - h:.1f}" '
                   f'width="{max(col - 1, 0.5):.1f}" height="{h:.1f}" fill="{color}">'
                   f'<title>{_fmt(edge)} to {_fmt(edge + width)}: {n:,}</title></rect>')
    step = max(1, round(len(bins) / 12))
    for i in range(0, len(bins) + 1, step):
        out.append(f'<text x="{pad_l + i * col:.1f}" y="{base + 15}" '
                   f'text-anchor="middle">{_fmt(lo + i * width)}</text>')
    for i, (x_value, text) in enumerate(marks):
        if not lo <= x_value <= hi:
            continue
        x = pad_l + (x_value - lo) / (hi - lo) * plot_w
        y = 10 + 13 * i  # labels of nearby marks stacked above the bars
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 8}" y2="{base}" '
                   f'stroke="{PALETTE["fail"]}" stroke-dasharray="4 3"><title>{escape(text)}'
                   f'</title></line><text x="{x + 3:.1f}" y="{y}">{escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def fill_color(rate: float | None) -> str:
    """Background of a fill-rate cell: from pale red (empty) to green (complete)."""
    if rate is None:
        return "transparent"
    if rate >= 0.95:
        return "#cdeee9"
    if rate >= 0.5:
        return "#f6ecc4"
    return "#f8d5cc" if rate > 0 else "#f1f1f1"
