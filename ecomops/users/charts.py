"""Chart builders of the Users pages (DataFrame -> Figure) in the shared theme: lifecycle, RFM, cohorts, members,
and the churn model (calibration, importance, reactivation uplift)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ecomops import charts
from ecomops.i18n import _

STATE_COLORS = {"New": "#3BB3C3", "Active": "#2BA672", "Dormant": "#F28C28", "Lost": "#D64550",
                "Prospect": "#9CA3AF", "Not yet a customer": "#D1D5DB", "Guest orders": "#7F7F7F"}
STATE_ORDER = ["Not yet a customer", "Prospect", "New", "Active", "Dormant", "Lost"]


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def lifecycle_sankey(flow: pd.DataFrame, before: str, after: str, title: str | None = None) -> go.Figure:
    """Return a sankey of customers moving between states (columns from_label, to_label, customers)."""
    left = [s for s in STATE_ORDER if s in set(flow["from_label"])]
    right = [s for s in STATE_ORDER if s in set(flow["to_label"])]
    labels = [f"{s} ({before})" for s in left] + [f"{s} ({after})" for s in right]
    index_left = {s: i for i, s in enumerate(left)}
    index_right = {s: len(left) + i for i, s in enumerate(right)}
    colors = [STATE_COLORS.get(s, "#7F7F7F") for s in left + right]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(label=labels, color=colors, pad=14, thickness=16),
        link=dict(source=[index_left[s] for s in flow["from_label"]],
                  target=[index_right[s] for s in flow["to_label"]],
                  value=flow["customers"].tolist(),
                  color=[_rgba(STATE_COLORS.get(s, "#7F7F7F"), 0.35) for s in flow["to_label"]],
                  hovertemplate="%{source.label} → %{target.label}: %{value:,} customers<extra></extra>"),
    ))
    return charts.apply_theme(fig, title, height=420)


def lifecycle_stack(monthly: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return stacked bars of customers per state at each monthly snapshot (columns snapshot, label, customers)."""
    fig = go.Figure()
    for state in ["Lost", "Dormant", "Active", "New", "Prospect"]:
        part = monthly[monthly["label"] == state]
        fig.add_trace(go.Bar(x=[str(s) for s in part["snapshot"]], y=part["customers"], name=state,
                             marker_color=STATE_COLORS[state]))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="State as of")
    return charts.apply_theme(fig, title)


def _grouped_shares(x: pd.Series, bars: list[tuple[pd.Series, str, str]], title: str | None,
                    **yaxis) -> go.Figure:
    """Return grouped bars of shares (labelled as percentages), one (values, name, colour) per bar of a group."""
    fig = go.Figure([go.Bar(x=x, y=values, name=name, marker_color=color, texttemplate="%{y:.0%}")
                     for values, name, color in bars])
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%", **yaxis)
    return charts.apply_theme(fig, title)


def share_bars(summary: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return side-by-side bars of each state's share of customers and of GMV (columns label, customer_share,
    gmv_share)."""
    return _grouped_shares(summary["label"], [(summary["customer_share"], "Share of customers", charts.PALETTE[0]),
                                              (summary["gmv_share"], "Share of GMV in range", charts.PALETTE[1])],
                           title)


def rfm_treemap(segments: pd.DataFrame, colors: dict[str, str], title: str | None = None) -> go.Figure:
    """Return a treemap of RFM segments sized by customers, with their GMV share on hover."""
    shown = segments[segments["customers"] > 0]
    fig = go.Figure(go.Treemap(
        labels=shown["segment"], parents=[""] * len(shown), values=shown["customers"],
        marker=dict(colors=[colors.get(s, "#7F7F7F") for s in shown["segment"]]),
        customdata=shown[["monetary_share", "avg_monetary"]].to_numpy(),
        texttemplate="<b>%{label}</b><br>%{value:,} customers<br>%{percentRoot:.0%}",
        hovertemplate="%{label}: %{value:,} customers<br>share of spend %{customdata[0]:.1%}"
                      "<br>average spend ¥%{customdata[1]:,.0f}<extra></extra>",
    ))
    return charts.apply_theme(fig, title, height=420)


def rfm_grid(grid: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return the R x FM grid (customers per cell) as a heatmap, R on the y axis (5 on top)."""
    full = (grid.set_index(["r_score", "fm_score"])["customers"]
            .reindex(pd.MultiIndex.from_product([range(1, 6), range(1, 6)], names=["r_score", "fm_score"]),
                     fill_value=0).reset_index())
    table = full.pivot(index="r_score", columns="fm_score", values="customers").sort_index(ascending=False)
    fig = go.Figure(go.Heatmap(z=table.values, x=[f"FM {c}" for c in table.columns],
                               y=[f"R {r}" for r in table.index], colorscale="Blues", texttemplate="%{z:,}",
                               hovertemplate="%{y}, %{x}: %{z:,} customers<extra></extra>"))
    return charts.apply_theme(fig, title, height=360)


def cohort_heatmap(frame: pd.DataFrame, value: str, title: str | None = None, z_format: str = ".0%") -> go.Figure:
    """Return a cohort x month-k heatmap of a value column (retention or cumulative spend)."""
    data = frame.assign(month=frame["k"].map(lambda k: f"M{k}"))
    grid = data.pivot(index="cohort", columns="k", values=value)
    fig = go.Figure(go.Heatmap(z=grid.values, x=[f"M{k}" for k in grid.columns], y=list(grid.index),
                               colorscale="Blues", texttemplate="%{z:" + z_format + "}", hoverongaps=False,
                               hovertemplate=_("cohort {cohort}, {month}: {value}", cohort="%{y}", month="%{x}",
                                               value="%{z:" + z_format + "}") + "<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title_text=_("Months since first order"))
    return charts.apply_theme(fig, title, height=max(320, 28 * len(grid) + 120))


def cohort_spend_lines(frame: pd.DataFrame, title: str | None = None, symbol: str = "¥") -> go.Figure:
    """Return cumulative spend per customer by month k, one line per cohort (amounts in the currency of ``symbol``)."""
    fig = charts.line(frame, "k", "cumulative_spend", color="cohort", title=title)
    fig.update_xaxes(title_text=_("Months since first order"), dtick=1)
    fig.update_yaxes(title_text=_("Cumulative spend per customer ({symbol})", symbol=symbol))
    return fig


def conversion_bars(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return grouped bars of 7-day and 30-day signup conversion per group (columns group, rate_7, rate_30)."""
    return _grouped_shares(frame["group"], [(frame["rate_7"], _("Ordered within 7 days"), charts.PALETTE[0]),
                                            (frame["rate_30"], _("Ordered within 30 days"), charts.PALETTE[2])],
                           title, range=[0, 1])


def members_bars(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return the repurchase cycle (median days between orders) per group as bars labelled with the days."""
    fig = go.Figure(go.Bar(x=frame["group"], y=frame["median_gap_days"], marker_color=charts.PALETTE[:len(frame)],
                           texttemplate=_("{days} days", days="%{y:.0f}")))
    fig.update_yaxes(title_text=_("Median days between orders"))
    return charts.apply_theme(fig, title)


def horizontal_bars(frame: pd.DataFrame, label: str, value: str, title: str | None = None,
                    x_format: str | None = None) -> go.Figure:
    """Return horizontal bars (largest on top)."""
    ordered = frame.iloc[::-1]
    fig = go.Figure(go.Bar(y=ordered[label], x=ordered[value], orientation="h", marker_color=charts.PALETTE[0]))
    if x_format:
        fig.update_xaxes(tickformat=x_format)
    return charts.apply_theme(fig, title, height=max(260, 30 * len(frame) + 100))



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
