"""Plain-text aligned tables for evaluation reports."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Optional, Sequence


def _cell(value, float_fmt: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        return format(float(value), float_fmt)
    return str(value)


def format_table(
    headers: Sequence[str],
    rows: Sequence[Sequence],
    title: Optional[str] = None,
    float_fmt: str = ".3f",
) -> str:
    """Format rows as an aligned text table.

    The first column is left-aligned, the others right-aligned; floats use
    ``float_fmt``, integers are printed as such.

    Args:
        headers (Sequence[str]): Column names.
        rows (Sequence[Sequence]): Table rows, each as long as ``headers``.
        title (str, optional): A line printed above the table.
        float_fmt (str): Format spec of floats.

    Returns:
        str: The table, lines joined by newlines (no trailing newline).

    Examples:
        >>> print(format_table(['seq', 'MOTA'], [['a', 50.0], ['b', 7]]))
        seq    MOTA
        ---  ------
        a    50.000
        b         7
    """
    cells = [[str(h) for h in headers]]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row {list(row)} has {len(row)} cells for {len(headers)} headers")
        cells.append([_cell(v, float_fmt) for v in row])
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(parts: Sequence[str]) -> str:
        out = [parts[0].ljust(widths[0])]
        out += [p.rjust(w) for p, w in zip(parts[1:], widths[1:])]
        return "  ".join(out).rstrip()

    lines = [] if title is None else [title]
    lines.append(line(cells[0]))
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(line(r) for r in cells[1:])
    return "\n".join(lines)
