"""Charts drawn on the server as SVG: no script, nothing loaded from elsewhere, readable by a screen
reader (a title and a description), printable, and mirrored in a right-to-left page (time runs from
right to left, bars grow leftwards). Colours come from the stylesheet's classes."""

from markupsafe import Markup, escape


def _svg(width, height, title, body):
    return Markup(
        # direction="ltr": the coordinates and anchors are computed here for either direction; in a
        # right-to-left page an inherited rtl would swap every text's anchor.
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" direction="ltr" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def line_chart(points, *, title, target=None, width=480, height=160, right_to_left=False):
    """`points`: [(label, value or None)] in time order. A dashed line marks the target."""
    pad_x, pad_y = 36, 18
    values = [value for _, value in points if value is not None]
    if target is not None and values:
        values.append(target)
    if not values:
        return _svg(width, height, title, f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">—</text>')
    low, high = min(values + [0]), max(values)
    span = (high - low) or 1
    step = (width - 2 * pad_x) / max(len(points) - 1, 1)

    def x(index):
        position = pad_x + index * step
        return width - position if right_to_left else position

    def y(value):
        return height - pad_y - (value - low) / span * (height - 2 * pad_y)

    parts = [
        f'<line class="axis" x1="{pad_x}" y1="{height - pad_y}" x2="{width - pad_x}" y2="{height - pad_y}"/>',
        f'<text class="tick" x="{width - 4 if right_to_left else 4}" y="{y(high) + 4:.1f}" '
        f'text-anchor="{"end" if right_to_left else "start"}">{escape(_short(high))}</text>',
    ]
    if target is not None:
        parts.append(
            f'<line class="target" x1="{pad_x}" y1="{y(target):.1f}" x2="{width - pad_x}" y2="{y(target):.1f}"/>'
        )
    drawn = [(x(i), y(v)) for i, (_, v) in enumerate(points) if v is not None]
    if len(drawn) > 1:
        parts.append('<polyline class="series" points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b in drawn) + '"/>')
    for a, b in drawn:
        parts.append(f'<circle class="point" cx="{a:.1f}" cy="{b:.1f}" r="3"/>')
    for i in (0, len(points) - 1):
        parts.append(
            f'<text class="tick" x="{x(i):.1f}" y="{height - 3}" text-anchor="middle">{escape(points[i][0])}</text>'
        )
    return _svg(width, height, title, "".join(parts))


def bar_chart(rows, *, title, maximum=None, width=480, right_to_left=False, unit=""):
    """`rows`: [(label, value)], one horizontal bar each, longest = `maximum` (the largest value by default)."""
    bar, gap, label_width = 18, 8, 150
    height = max(len(rows), 1) * (bar + gap) + gap
    top = maximum or max([value or 0 for _, value in rows] + [1])
    room = width - label_width - 60
    parts = []
    for index, (label, value) in enumerate(rows):
        y = gap + index * (bar + gap)
        length = max(0.0, (value or 0) / top * room)
        if right_to_left:
            label_x, anchor, start = width - 4, "end", width - label_width - length
            value_x, value_anchor = width - label_width - length - 4, "end"
        else:
            label_x, anchor, start = 4, "start", label_width
            value_x, value_anchor = label_width + length + 4, "start"
        parts.append(
            f'<text class="label" x="{label_x}" y="{y + bar - 5}" text-anchor="{anchor}">{escape(_clip(label))}</text>'
            f'<rect class="bar" x="{start:.1f}" y="{y}" width="{length:.1f}" height="{bar}"/>'
            f'<text class="value" x="{value_x:.1f}" y="{y + bar - 5}" text-anchor="{value_anchor}">'
            f"{escape(_short(value))}{escape(unit)}</text>"
        )
    return _svg(width, height, title, "".join(parts))


def _short(value):
    if value is None:
        return "—"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _clip(text, longest=22):
    text = str(text)
    return text if len(text) <= longest else text[: longest - 1] + "…"
