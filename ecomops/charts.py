"""Pure Plotly builders (DataFrame -> Figure) with the one chart theme, and value formatting for KPIs."""
from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

PALETTE = ["#2E6FD8", "#F28C28", "#2BA672", "#D64550", "#8E6BBF", "#3BB3C3", "#B5A33B", "#7F7F7F"]
FONT = "Inter, 'Noto Sans CJK SC', 'WenQuanYi Zen Hei', 'Microsoft YaHei', sans-serif"
# Plotly switches to WebGL traces above this many points so big series stay light in the browser.
WEBGL_POINTS = 5000

pio.templates["ecomops"] = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT, size=13, color="#1F2937"),
        colorway=PALETTE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(showgrid=False, linecolor="#D1D5DB"),
        yaxis=dict(gridcolor="#EEF0F3", zerolinecolor="#D1D5DB"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        hoverlabel=dict(font_family=FONT),
    )
)
# The default for every figure: Plotly applies a default template without validating it again, about half the
# cost of setting template="ecomops" on each figure (~2 ms per chart, several charts per page run).
pio.templates.default = "ecomops"
# Plotly draws <a href> in any chart text as a link (titles, legends, categories, hover): imported names are data, so
# the opening of a link tag is written as the entity &lt;, which Plotly shows as the character "<".
_LINK_TAG = re.compile(r"<(?=\s*/?\s*a(?:[\s>/]|$))", re.IGNORECASE)


def _unlinked(value: Any) -> Any:
    """Return ``value`` with link tags in its strings written as text; the very same object when it held none (lists,
    tuples, dicts and object arrays are walked; numbers are returned as they are)."""
    if isinstance(value, str):
        if "<" not in value:
            return value
        cleaned = _LINK_TAG.sub("&lt;", value)
        return value if cleaned == value else cleaned
    if isinstance(value, dict):
        items = {key: _unlinked(item) for key, item in value.items()}
        return value if all(items[key] is item for key, item in value.items()) else items
    if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.dtype == object):
        flat = value.ravel() if isinstance(value, np.ndarray) else value
        items = [_unlinked(item) for item in flat]
        if all(new is old for new, old in zip(items, flat)):
            return value
        if isinstance(value, np.ndarray):
            return np.array(items, dtype=object).reshape(value.shape)
        return type(value)(items)
    return value


def without_links(fig: go.Figure) -> go.Figure:
    """Return the figure with every link tag in its texts written as text (in place): what pages draw."""
    parts = [(trace, trace.to_plotly_json()) for trace in fig.data]
    parts.append((fig.layout, {k: v for k, v in fig.layout.to_plotly_json().items() if k != "template"}))
    for part, props in parts:
        changed = {key: cleaned for key, value in props.items() if (cleaned := _unlinked(value)) is not value}
        if changed:
            part.update(changed, overwrite=True)
    return fig


DEFAULT_HEIGHT = 450  # what Plotly (and st.plotly_chart) draw a figure without a height at
TITLE_SPACE = 44  # pixels from the top of a titled figure to its legend: the title's line and a gap


def theme_layout(title: str | None = None, height: int | None = None, **extra) -> dict:
    """Return the layout dict :func:`apply_theme` applies (title placement, height), plus ``extra`` entries.

    For builders that pass the whole layout to go.Figure at once (one validation instead of one per update).
    """
    layout: dict = dict(height=height)  # the template is the default one (pio.templates.default above)
    if title:
        # The title sits at the very top of the figure and the legend starts below it (in container coordinates),
        # growing downwards: Plotly then pushes the plot down as the legend wraps onto more rows (long or many
        # names, narrow columns, Chinese or English), so the legend never covers the title nor the plot. A legend
        # anchored on the plot's top instead grows upwards into the title (tests/test_chart_layout_browser.py).
        layout.update(title=dict(text=title, x=0, xanchor="left", y=0.98, yanchor="top", yref="container"),
                      legend=dict(yref="container", y=1 - TITLE_SPACE / (height or DEFAULT_HEIGHT), yanchor="top"),
                      margin=dict(t=80))
    layout.update(extra)
    return layout


def apply_theme(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """Return the figure with the ecomops theme (and optional title/height) applied."""
    return fig.update_layout(**theme_layout(title, height))  # one update: each call validates the layout again


def hline(y: float, dash: str = "dash", color: str = "#9CA3AF", text: str | None = None) -> tuple[dict, dict | None]:
    """Return (shape, label) of a horizontal reference line across the plot, for :func:`add_shapes`."""
    shape = dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=y, y1=y, line=dict(dash=dash, color=color))
    label = dict(xref="paper", x=1, yref="y", y=y, text=text, showarrow=False, xanchor="right",
                 yanchor="bottom") if text else None
    return shape, label


def vline(x: float, dash: str = "dash", color: str = "#9CA3AF", text: str | None = None) -> tuple[dict, dict | None]:
    """Return (shape, label) of a vertical reference line through the plot, for :func:`add_shapes`."""
    shape = dict(type="line", yref="paper", y0=0, y1=1, xref="x", x0=x, x1=x, line=dict(dash=dash, color=color))
    label = dict(yref="paper", y=1, xref="x", x=x, text=text, showarrow=False, xanchor="left",
                 yanchor="top") if text else None
    return shape, label


def vrect(x0, x1, color: str, opacity: float) -> tuple[dict, None]:
    """Return (shape, None) of a shaded vertical span through the plot, for :func:`add_shapes`."""
    return dict(type="rect", yref="paper", y0=0, y1=1, xref="x", x0=x0, x1=x1, fillcolor=color, opacity=opacity,
                line=dict(width=0), layer="below"), None


def shapes_layout(items: Sequence[tuple[dict, dict | None]]) -> dict:
    """Return the layout entries (shapes, annotations) of reference lines / spans from hline, vline, vrect.

    For builders that give go.Figure its whole layout at once (see :func:`theme_layout`).
    """
    return dict(shapes=[shape for shape, _ in items], annotations=[label for _, label in items if label])


def add_shapes(fig: go.Figure, items: Sequence[tuple[dict, dict | None]]) -> go.Figure:
    """Add reference lines / shaded spans (from hline, vline, vrect) and their labels in one layout update.

    Why not fig.add_hline / add_vrect: each call validates and copies the layout again (3-5 ms per line, ~50 ms
    for a campaign calendar's spans); one update with plain dicts costs about as much as a single call.
    """
    added = shapes_layout(items)
    fig.update_layout(shapes=list(fig.layout.shapes) + added["shapes"],
                      annotations=list(fig.layout.annotations) + added["annotations"] if added["annotations"]
                      else fig.layout.annotations)
    return fig


def format_value(metric: str, value: float | None) -> str:
    """Return a KPI value formatted for display (money, counts or percentages)."""
    if value is None or pd.isna(value):
        return "—"
    if metric in {"conversion_rate", "repurchase_rate"} or metric.endswith("_rate") or metric.endswith("_share"):
        return f"{value:.2%}"
    if metric in {"gmv", "spend_per_buyer", "aov", "spend", "attributed_gmv"}:
        return f"¥{value:,.2f}" if abs(value) < 1e6 else f"¥{value / 1e6:,.2f}M"
    return f"{value:,.0f}"


def format_change(change: float | None) -> str | None:
    """Return a relative change as a signed percentage for st.metric's delta (None when undefined)."""
    return None if change is None or pd.isna(change) else f"{change:+.1%}"


def _scatter_type(many: bool) -> str:
    """Return the scatter trace type: WebGL ("scattergl") for big series, so they stay light in the browser."""
    return "scattergl" if many else "scatter"


def line(frame: pd.DataFrame, x: str, y: str | Sequence[str], color: str | None = None, title: str | None = None,
         y_format: str | None = None, names: dict[str, str] | None = None) -> go.Figure:
    """Return a line chart of one or more y columns (or one y split by a color column); ``names`` gives the
    legend name of a y column (default: the column name)."""
    many = len(frame) > WEBGL_POINTS
    kind = _scatter_type(many)
    # Trace dicts and one layout dict given to go.Figure at once: one validation instead of one per update call.
    if color:
        traces = [dict(type=kind, x=part[x], y=part[y], mode="lines", name=str(key))
                  for key, part in frame.groupby(color, sort=True)]
    else:
        traces = [dict(type=kind, x=frame[x], y=frame[col], mode="lines", name=(names or {}).get(col, col))
                  for col in ([y] if isinstance(y, str) else list(y))]
    axes = dict(yaxis=dict(tickformat=y_format)) if y_format else {}
    return go.Figure(data=traces, layout=theme_layout(title, **axes))


def bar(frame: pd.DataFrame, x: str, y: str, color: str | None = None, title: str | None = None,
        orientation: str = "v", y_format: str | None = None, barmode: str = "stack") -> go.Figure:
    """Return a bar chart (vertical or horizontal), optionally stacked by a color column."""
    groups = frame.groupby(color, sort=True) if color else [(y, frame)]
    if orientation == "h":
        traces = [dict(type="bar", y=part[x], x=part[y], name=str(key), orientation="h") for key, part in groups]
    else:
        traces = [dict(type="bar", x=part[x], y=part[y], name=str(key)) for key, part in groups]
    layout = dict(barmode=barmode, showlegend=bool(color))
    if y_format:  # the value axis: x when the bars are horizontal
        layout["xaxis" if orientation == "h" else "yaxis"] = dict(tickformat=y_format)
    return go.Figure(data=traces, layout=theme_layout(title, **layout))


def secondary_y_layout(y_title: str | None = None, y2_title: str | None = None, **layout) -> dict:
    """Return the layout dict of a figure with a secondary y axis on the right (traces opt in with ``yaxis="y2"``).

    The layout make_subplots(specs=[[{"secondary_y": True}]]) builds, written directly: make_subplots costs ~6 ms
    per chart in grid bookkeeping. ``yaxis2`` in ``layout`` is merged into the secondary axis.
    """
    yaxis2 = dict(anchor="x", overlaying="y", side="right", title_text=y2_title)
    yaxis2.update(layout.pop("yaxis2", {}))
    return dict(xaxis=dict(anchor="y", domain=[0.0, 0.94]), yaxis=dict(anchor="x", domain=[0.0, 1.0], title_text=y_title),
                yaxis2=yaxis2, **layout)


def bar_line(frame: pd.DataFrame, x: str, bar_y: str, line_y: str, bar_name: str, line_name: str,
             title: str | None = None) -> go.Figure:
    """Return bars for one measure with a line for another on a secondary axis (e.g. GMV with orders)."""
    layout = secondary_y_layout(bar_name, line_name, yaxis2=dict(showgrid=False, rangemode="tozero"))
    layout["yaxis"]["rangemode"] = "tozero"
    traces = [
        dict(type="bar", x=frame[x], y=frame[bar_y], name=bar_name, marker_color=PALETTE[0]),
        dict(type="scatter", x=frame[x], y=frame[line_y], name=line_name, mode="lines+markers",
             marker_color=PALETTE[1], yaxis="y2"),
    ]
    return go.Figure(data=traces, layout=theme_layout(title, **layout))


def donut(frame: pd.DataFrame, names: str, values: str, title: str | None = None) -> go.Figure:
    """Return a donut chart of shares."""
    fig = go.Figure(go.Pie(labels=frame[names], values=frame[values], hole=0.55, sort=False))
    return apply_theme(fig, title)


def heatmap(frame: pd.DataFrame, x: str, y: str, z: str, title: str | None = None, z_format: str = ".0%",
            colorscale: str = "Blues") -> go.Figure:
    """Return a heatmap from long-format data (one row per x, y cell)."""
    grid = frame.pivot(index=y, columns=x, values=z)
    trace = dict(type="heatmap", z=grid.values, x=[str(c) for c in grid.columns], y=[str(i) for i in grid.index],
                 colorscale=colorscale, texttemplate="%{z:" + z_format + "}", hoverongaps=False)
    return go.Figure(data=[trace], layout=theme_layout(title, yaxis=dict(autorange="reversed")))


def funnel(frame: pd.DataFrame, stage: str, value: str, title: str | None = None) -> go.Figure:
    """Return a funnel chart of stage counts."""
    fig = go.Figure(go.Funnel(y=frame[stage], x=frame[value], textinfo="value+percent previous"))
    return apply_theme(fig, title)


def treemap(frame: pd.DataFrame, labels: str, values: str, color: str | None = None,
            title: str | None = None) -> go.Figure:
    """Return a treemap of segment sizes."""
    fig = go.Figure(go.Treemap(labels=frame[labels], parents=[""] * len(frame), values=frame[values],
                               marker=dict(colors=frame[color]) if color else None,
                               textinfo="label+value+percent root"))
    return apply_theme(fig, title)


def band(frame: pd.DataFrame, x: str, y: str, low: str, high: str, flag: str | None = None,
         title: str | None = None, y_format: str | None = None) -> go.Figure:
    """Return a series with its expected band shaded and flagged points (anomalies) marked."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=frame[x], y=frame[high], line=dict(width=0), showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=frame[x], y=frame[low], fill="tonexty", fillcolor="rgba(46,111,216,0.12)",
                             line=dict(width=0), name="expected band"))
    fig.add_trace(go.Scatter(x=frame[x], y=frame[y], mode="lines", name=y, line=dict(color=PALETTE[0])))
    if flag:
        hits = frame[frame[flag].astype(bool)]
        fig.add_trace(go.Scatter(x=hits[x], y=hits[y], mode="markers", name="anomaly",
                                 marker=dict(color=PALETTE[3], size=10, symbol="x")))
    if y_format:
        fig.update_yaxes(tickformat=y_format)
    return apply_theme(fig, title)
