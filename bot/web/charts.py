"""Bar charts as inline SVG: drawn on the server, no script, nothing fetched, crisp on a phone.

Why not a chart library: the console shows a handful of bars (questions per day, correct rate per
question); a few lines of SVG keep the page free of front-end builds and third-party assets.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH, HEIGHT, PAD, LABEL = 640, 220, 28, 22


def bars(values: list[tuple[str, float]], *, title: str, maximum: float | None = None, unit: str = "",
         colour: str = "#1565c0") -> Markup:
    """Vertical bars with their value on top and their label below; `title` is read by screen readers."""
    top = maximum if maximum is not None else max([v for _, v in values] + [1])
    count = max(len(values), 1)
    slot = (WIDTH - 2 * PAD) / count
    bar = max(min(slot * 0.7, 48), 2)
    inner = HEIGHT - PAD - LABEL
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{PAD}" y1="{PAD + inner}" x2="{WIDTH - PAD}" y2="{PAD + inner}" stroke="#999"/>']
    show_every = max(1, round(count / 16))
    for i, (label, value) in enumerate(values):
        h = 0 if top <= 0 else inner * min(value, top) / top
        x = PAD + i * slot + (slot - bar) / 2
        y = PAD + inner - h
        shown = f"{value:g}{unit}"
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour}">'
                     f"<title>{escape(label)}: {escape(shown)}</title></rect>")
        if value:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11">'
                         f"{escape(shown)}</text>")
        if i % show_every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" font-size="11">'
                         f"{escape(label)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
