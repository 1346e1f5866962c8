"""Chart builders for the products pages (DataFrame -> Figure), in the shared theme of ecomops.charts."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ecomops import charts
from ecomops.i18n import _, label

CLASS_COLORS = {"A": charts.PALETTE[0], "B": charts.PALETTE[1], "C": charts.PALETTE[7]}


def _columns(frame: pd.DataFrame, names: tuple[str, ...]) -> np.ndarray:
    """Return the columns as one object array (DataFrame.to_numpy over a string column costs ~10 ms in pandas 3)."""
    out = np.empty((len(frame), len(names)), dtype=object)
    for i, name in enumerate(names):
        out[:, i] = frame[name].to_numpy(dtype=object)
    return out


def pareto(curve: pd.DataFrame, a_share: float = 0.80, b_share: float = 0.95, title: str | None = None) -> go.Figure:
    """Return the Pareto chart: cumulative GMV share against the share of SKUs, coloured by ABC class."""
    traces = []
    for cls, part in curve.groupby("abc_class", sort=True):
        color = CLASS_COLORS.get(cls)
        traces.append(dict(  # plain dicts: go.Figure validates each trace once (a go.Scatter would be validated twice)
            type="scatter", x=part["sku_share"].to_numpy(), y=part["cum_share"].to_numpy(), mode="markers+lines",
            name=_("Class {abc_class}", abc_class=label("abc_class", cls)),
            marker=dict(color=color, size=5), line=dict(color=color),
            customdata=_columns(part, ("title", "gmv", "rank")),
            hovertemplate=_("#%{customdata[2]} %{customdata[0]}<br>GMV ¥%{customdata[1]:,.0f}<br>"
                            "cumulative %{y:.1%} of GMV<br>top %{x:.1%} of SKUs") + "<extra></extra>",
        ))
    lines = [charts.hline(share, "dot", "#9CA3AF", f"{share:.0%} ({label})")
             for share, label in ((a_share, "A/B"), (b_share, "B/C"))]
    # traces, reference lines and axes given at once: one validation of the layout instead of one per update
    return go.Figure(traces, layout=charts.theme_layout(
        title, **charts.shapes_layout(lines),
        xaxis=dict(tickformat=".0%", title_text=_("Share of SKUs (by GMV rank)")),
        yaxis=dict(tickformat=".0%", title_text=_("Cumulative share of GMV"), range=[0, 1.02])))


def growth_bars(frame: pd.DataFrame, label: str, value: str = "growth", top: int = 15,
                title: str | None = None) -> go.Figure:
    """Return horizontal bars of the fastest growers (growth as a percentage; new entries drawn at the top)."""
    part = frame[frame[value].notna()].head(top).iloc[::-1]
    values = part[value].tolist()
    colors = [charts.PALETTE[2] if v >= 0 else charts.PALETTE[3] for v in values]
    # trace and layout given at once: one validation of each (update calls validate the layout again)
    return go.Figure(
        go.Bar(y=part[label].astype(str).tolist(), x=values, orientation="h", marker_color=colors,
               hovertemplate="%{y}: %{x:+.0%}<extra></extra>"),
        layout=charts.theme_layout(title, max(260, 28 * len(part) + 80), xaxis=dict(tickformat="+.0%")))


def lift_matrix(matrix: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return the lift heatmap of the most connected products (blank where a pair is under the minimum counts)."""
    grid = matrix.pivot(index="y", columns="x", values="lift")
    order = list(dict.fromkeys(matrix["x"]))
    grid = grid.reindex(index=order, columns=order)
    counts = matrix.pivot(index="y", columns="x", values="pair_orders").reindex(index=order, columns=order)
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=order, y=order, colorscale="Blues", hoverongaps=False, texttemplate="%{z:.1f}",
        customdata=counts.values,
        hovertemplate=_("%{y} + %{x}<br>lift %{z:.2f}<br>%{customdata} orders") + "<extra></extra>",
        colorbar=dict(title=label("metric", "lift")),
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=10))
    return charts.apply_theme(fig, title, height=max(420, 30 * len(order) + 160))


def pair_network(pairs: pd.DataFrame, top: int = 40, title: str | None = None) -> go.Figure:
    """Return a network of the strongest pairs: products on a circle, edge width by lift, node size by orders."""
    part = pairs.sort_values("lift", ascending=False).head(top)
    nodes = pd.concat([
        part[["product_a", "title_a", "orders_a"]].set_axis(["pid", "title", "orders"], axis=1),
        part[["product_b", "title_b", "orders_b"]].set_axis(["pid", "title", "orders"], axis=1),
    ]).drop_duplicates("pid").reset_index(drop=True)
    n = max(len(nodes), 1)
    pos = {pid: (math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)) for i, pid in enumerate(nodes["pid"])}
    fig = go.Figure()
    max_lift = float(part["lift"].max()) if len(part) else 1.0
    for r in part.itertuples(index=False):
        (x0, y0), (x1, y1) = pos[r.product_a], pos[r.product_b]
        fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", showlegend=False, hoverinfo="skip",
                                 line=dict(width=1 + 5 * r.lift / max_lift, color="rgba(46,111,216,0.45)")))
    max_orders = float(nodes["orders"].max()) if len(nodes) else 1.0
    fig.add_trace(go.Scatter(
        x=[pos[p][0] for p in nodes["pid"]], y=[pos[p][1] for p in nodes["pid"]], mode="markers+text",
        text=[t[:10] for t in nodes["title"]], textposition="top center", showlegend=False,
        marker=dict(size=[10 + 25 * o / max_orders for o in nodes["orders"]], color=charts.PALETTE[1]),
        customdata=nodes[["title", "orders"]].to_numpy(), hovertemplate=_("%{customdata[0]}<br>%{customdata[1]} orders") + "<extra></extra>",
    ))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return charts.apply_theme(fig, title, height=560)
