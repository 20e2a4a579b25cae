"""A stacked bar chart as inline SVG, drawn on the server (no script, nothing fetched)."""
from datetime import date
from typing import Dict, List

from markupsafe import Markup, escape

# Distinguishable colours (Tableau 10 and three more).
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f", "#bab0ac", "#1f3b73", "#8cd17d", "#d37295",
)
WIDTH, HEIGHT = 820, 320
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 36


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def stacked_bars(periods: List[date], series: Dict[str, List[int]], title: str) -> Markup:
    """One bar per period, one coloured part per series (in the order given)."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(periods))]
    top = _nice_ceiling(max(totals, default=0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(periods), 1)
    bar = slot * 0.7
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for step in range(5):  # horizontal grid with its values
        value = top * step / 4
        y = TOP + plot_height - plot_height * step / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{value:g}</text>')
    label_every = max(1, len(periods) // 12)
    for i, period in enumerate(periods):
        x = LEFT + i * slot + (slot - bar) / 2
        y = TOP + plot_height
        for index, (name, values) in enumerate(series.items()):
            if not values[i]:
                continue
            height = plot_height * values[i] / top
            y -= height
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" fill="{colour(index)}">'
                f"<title>{escape(name)}, week of {period.isoformat()}: {values[i]}</title></rect>"
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#555">'
                f"{period.strftime('%d %b')}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_ceiling(value: int) -> int:
    """The axis top: four grid steps of 1, 2 or 5 times a power of ten, at least the value."""
    needed = max(1, -(-value // 4))
    magnitude = 10 ** (len(str(needed)) - 1)
    step = next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= needed)
    return 4 * step
