"""Chart builders of the churn area (DataFrame -> Figure, the ecomops theme): calibration, importance, uplift."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ecomops import charts


def calibration(table: pd.DataFrame, title: str = "Calibration: predicted vs observed churn rate") -> go.Figure:
    """Return observed vs predicted churn rate per decile for the model and the recency baseline, with the diagonal."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect", line=dict(color="#9CA3AF", dash="dot")))
    if not table.empty:
        fig.add_trace(go.Scatter(x=table["model_predicted"], y=table["model_observed"], mode="lines+markers",
                                 name="model", line=dict(color=charts.PALETTE[0])))
        fig.add_trace(go.Scatter(x=table["baseline_predicted"], y=table["baseline_observed"], mode="lines+markers",
                                 name="recency baseline", line=dict(color=charts.PALETTE[1])))
    fig.update_xaxes(title_text="predicted churn probability (decile mean)", tickformat=".0%", range=[0, 1])
    fig.update_yaxes(title_text="observed churn rate", tickformat=".0%", range=[0, 1])
    return charts.apply_theme(fig, title)


def importance(table: pd.DataFrame, top: int = 10, title: str = "What drives the score (permutation importance)") -> go.Figure:
    """Return a horizontal bar of the ``top`` features by drop in ROC AUC when shuffled."""
    head = table.head(top).iloc[::-1]
    fig = go.Figure(go.Bar(y=head["description"], x=head["importance"], orientation="h",
                           error_x=dict(type="data", array=head["std"]), marker_color=charts.PALETTE[0]))
    fig.update_xaxes(title_text="drop in ROC AUC")
    return charts.apply_theme(fig, title)


def reactivation(results: pd.DataFrame, title: str = "Reactivation rate: treatment vs control") -> go.Figure:
    """Return grouped bars of treatment and control reactivation rates per outreach date."""
    fig = go.Figure()
    labels = results["sent_date"].astype(str)
    fig.add_trace(go.Bar(x=labels, y=results["treatment_rate"], name="treatment", marker_color=charts.PALETTE[0]))
    fig.add_trace(go.Bar(x=labels, y=results["control_rate"], name="control (held out)", marker_color=charts.PALETTE[7]))
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%")
    return charts.apply_theme(fig, title)
