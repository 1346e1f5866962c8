"""Chart builders for monitoring and the periodic review (DataFrame/dict -> go.Figure), in the ecomops theme."""
from __future__ import annotations

from typing import Mapping

import pandas as pd
import plotly.graph_objects as go

from ecomops import charts
from ecomops.i18n import _, label

_RATE_METRICS = {"conversion_rate", "repurchase_rate"}


def metric_band(bands: pd.DataFrame, metric: str, title: str | None = None) -> go.Figure:
    """Return one monitored metric with its expected band and anomalies marked (bands: monitoring.monitor rows)."""
    part = bands[bands["metric"] == metric]
    fig = charts.band(part, "day", "value", "low", "high", flag="anomaly", title=title,
                      y_format=".1%" if metric in _RATE_METRICS else None)
    names = {"expected band": _("expected band"), "value": label("metric", metric), "anomaly": _("anomaly")}
    for trace in fig.data:
        trace.name = names.get(trace.name, trace.name)
    fig.add_trace(go.Scatter(x=part["day"], y=part["baseline"], mode="lines", name=_("expected"),
                             line=dict(color=charts.PALETTE[7], dash="dot", width=1)))
    return fig


def effects_waterfall(effects: Mapping[str, float], title: str | None = None) -> go.Figure:
    """Return the GMV bridge reference -> traffic -> conversion -> spend per buyer -> day."""
    steps = [(_("Reference GMV"), effects["gmv_before"], "absolute"),
             (label("effect", "traffic"), effects["traffic"], "relative"),
             (label("effect", "conversion"), effects["conversion"], "relative"),
             (label("effect", "spend"), effects["spend"], "relative")]
    if abs(effects.get("other", 0.0)) > 1e-9:
        steps.append((_("Untracked traffic"), effects["other"], "relative"))
    steps.append((_("Day GMV"), effects["gmv_after"], "total"))
    fig = go.Figure(go.Waterfall(x=[s[0] for s in steps], y=[s[1] for s in steps], measure=[s[2] for s in steps],
                                 texttemplate="%{y:,.0f}", textposition="outside",
                                 increasing=dict(marker_color=charts.PALETTE[2]),
                                 decreasing=dict(marker_color=charts.PALETTE[3]),
                                 totals=dict(marker_color=charts.PALETTE[0])))
    fig.update_layout(showlegend=False)
    return charts.apply_theme(fig, title)


def contributions(frame: pd.DataFrame, label: str, value: str, title: str | None = None, top: int = 10) -> go.Figure:
    """Return a horizontal bar of each segment's contribution (negative red, positive green), largest first."""
    part = frame.head(top).iloc[::-1]
    colors = [charts.PALETTE[3] if v < 0 else charts.PALETTE[2] for v in part[value]]
    fig = go.Figure(go.Bar(y=part[label].astype(str), x=part[value], orientation="h", marker_color=colors))
    fig.update_layout(showlegend=False)
    return charts.apply_theme(fig, title)
