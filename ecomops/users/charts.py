"""Chart builders of the Users pages (DataFrame -> Figure) in the shared theme: lifecycle, RFM, cohorts, members,
and the churn model (calibration, importance, reactivation uplift)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ecomops import charts
from ecomops.i18n import _, fmt, label

# Colours per lifecycle state code (names shown through label("lifecycle", code), in the session's language).
STATE_COLORS = {"new": "#3BB3C3", "active": "#2BA672", "dormant": "#F28C28", "lost": "#D64550",
                "prospect": "#9CA3AF", "not yet a customer": "#D1D5DB", "guest": "#7F7F7F"}
STATE_ORDER = ["not yet a customer", "prospect", "new", "active", "dormant", "lost"]


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def lifecycle_sankey(flow: pd.DataFrame, before: str, after: str, title: str | None = None) -> go.Figure:
    """Return a sankey of customers moving between states (columns from_segment, to_segment, customers)."""
    left = [s for s in STATE_ORDER if s in set(flow["from_segment"])]
    right = [s for s in STATE_ORDER if s in set(flow["to_segment"])]
    labels = ([_("{state} ({day})", state=label("lifecycle", s), day=before) for s in left]
              + [_("{state} ({day})", state=label("lifecycle", s), day=after) for s in right])
    index_left = {s: i for i, s in enumerate(left)}
    index_right = {s: len(left) + i for i, s in enumerate(right)}
    colors = [STATE_COLORS.get(s, "#7F7F7F") for s in left + right]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node=dict(label=labels, color=colors, pad=14, thickness=16),
        link=dict(source=[index_left[s] for s in flow["from_segment"]],
                  target=[index_right[s] for s in flow["to_segment"]],
                  value=flow["customers"].tolist(),
                  color=[_rgba(STATE_COLORS.get(s, "#7F7F7F"), 0.35) for s in flow["to_segment"]],
                  hovertemplate="%{source.label} → %{target.label}: %{value:,}<extra></extra>"),
    ))
    return charts.apply_theme(fig, title, height=420)


def lifecycle_stack(monthly: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return stacked bars of customers per state at each monthly snapshot (columns snapshot, segment, customers)."""
    fig = go.Figure()
    for state in ["lost", "dormant", "active", "new", "prospect"]:
        part = monthly[monthly["segment"] == state]
        fig.add_trace(go.Bar(x=[fmt.date(s) for s in part["snapshot"]], y=part["customers"],
                             name=label("lifecycle", state), marker_color=STATE_COLORS[state]))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=_("State as of"))
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
    """Return side-by-side bars of each state's share of customers and of GMV (columns segment, customer_share,
    gmv_share)."""
    names = [label("lifecycle", s) for s in summary["segment"]]
    return _grouped_shares(pd.Series(names), [(summary["customer_share"], _("Share of customers"), charts.PALETTE[0]),
                                              (summary["gmv_share"], _("Share of GMV in range"), charts.PALETTE[1])],
                           title)


def rfm_treemap(segments: pd.DataFrame, colors: dict[str, str], title: str | None = None) -> go.Figure:
    """Return a treemap of RFM segments sized by customers, with their GMV share on hover."""
    shown = segments[segments["customers"] > 0]
    names = [label("rfm_segment", s) for s in shown["segment"]]
    customdata = [[fmt.percent(share), fmt.money(avg, decimals=0)]
                  for share, avg in zip(shown["monetary_share"], shown["avg_monetary"])]
    fig = go.Figure(go.Treemap(
        labels=names, parents=[""] * len(shown), values=shown["customers"],
        marker=dict(colors=[colors.get(s, "#7F7F7F") for s in shown["segment"]]),
        customdata=customdata,
        texttemplate="<b>%{label}</b><br>%{value:,}<br>%{percentRoot:.0%}",
        hovertemplate=_("{segment}: {buyers} buyers<br>share of spend {share}<br>average spend {spend}",
                        segment="%{label}", buyers="%{value:,}", share="%{customdata[0]}",
                        spend="%{customdata[1]}") + "<extra></extra>",
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
                               hovertemplate=_("{cell}: {buyers} buyers", cell="%{y}, %{x}", buyers="%{z:,}")
                               + "<extra></extra>"))
    return charts.apply_theme(fig, title, height=360)


def value_bars(frame: pd.DataFrame, kind: str, title: str | None = None) -> go.Figure:
    """Return bars of predicted 12-month value per group (columns ``segment`` with codes of label kind ``kind``,
    value_365, customers), with the value per customer on hover."""
    names = [label(kind, s) for s in frame["segment"]]
    hover = [_("{group}: {value} from {n} customers ({each} each)", group=name, value=fmt.money(v, decimals=0),
               n=fmt.count(n), each=fmt.money(a, decimals=0))
             for name, v, n, a in zip(names, frame["value_365"], frame["customers"], frame["avg_value_365"])]
    fig = go.Figure(go.Bar(x=names, y=frame["value_365"], marker_color=charts.PALETTE[0], hovertext=hover,
                           hoverinfo="text"))
    fig.update_yaxes(title_text=_("Predicted value, next 12 months"))
    return charts.apply_theme(fig, title)


def tracking(weekly: pd.DataFrame, measure: str = "orders", title: str | None = None) -> go.Figure:
    """Return the tracking plot: per 7-day period the actual repeat orders (or revenue) of the past, what the model
    expects for the past, and the forecast for the next 52 weeks (columns of value.weekly)."""
    past, future = weekly[~weekly["future"]], weekly[weekly["future"]]
    fig = go.Figure([
        go.Scatter(x=past["period_end"], y=past[f"actual_{measure}"], name=_("Actual"), mode="lines",
                   line=dict(color=charts.PALETTE[0])),
        go.Scatter(x=past["period_end"], y=past[f"expected_{measure}"], name=_("Model (fitted)"), mode="lines",
                   line=dict(color=charts.PALETTE[1], dash="dot")),
        go.Scatter(x=future["period_end"], y=future[f"expected_{measure}"], name=_("Forecast"), mode="lines",
                   line=dict(color=charts.PALETTE[1])),
    ])
    fig.update_yaxes(title_text=_("Repeat orders per week") if measure == "orders" else _("Revenue per week"),
                     rangemode="tozero")
    return charts.apply_theme(fig, title)


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



def calibration(table: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return observed vs predicted churn rate per decile for the model and the recency baseline, with the diagonal."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=_("perfectly calibrated"), line=dict(color="#9CA3AF", dash="dot")))
    if not table.empty:
        fig.add_trace(go.Scatter(x=table["model_predicted"], y=table["model_observed"], mode="lines+markers",
                                 name=_("model"), line=dict(color=charts.PALETTE[0])))
        fig.add_trace(go.Scatter(x=table["baseline_predicted"], y=table["baseline_observed"], mode="lines+markers",
                                 name=_("recency baseline"), line=dict(color=charts.PALETTE[1])))
    fig.update_xaxes(title_text=_("predicted churn probability (decile mean)"), tickformat=".0%", range=[0, 1])
    fig.update_yaxes(title_text=_("observed churn rate"), tickformat=".0%", range=[0, 1])
    title = title or _("Calibration: predicted vs observed churn rate")
    return charts.apply_theme(fig, title)


def importance(table: pd.DataFrame, top: int = 10, title: str | None = None) -> go.Figure:
    """Return a horizontal bar of the ``top`` features by drop in ROC AUC when shuffled."""
    head = table.head(top).iloc[::-1]
    fig = go.Figure(go.Bar(y=head["description"], x=head["importance"], orientation="h",
                           error_x=dict(type="data", array=head["std"]), marker_color=charts.PALETTE[0]))
    fig.update_xaxes(title_text=_("drop in ROC AUC"))
    title = title or _("What drives the score (permutation importance)")
    return charts.apply_theme(fig, title)


def reactivation(results: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Return grouped bars of treatment and control reactivation rates per outreach date."""
    fig = go.Figure()
    labels = [fmt.date(day) for day in results["sent_date"]]
    fig.add_trace(go.Bar(x=labels, y=results["treatment_rate"], name=label("outreach_arm", "treatment"), marker_color=charts.PALETTE[0]))
    fig.add_trace(go.Bar(x=labels, y=results["control_rate"], name=label("outreach_arm", "control"), marker_color=charts.PALETTE[7]))
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%")
    return charts.apply_theme(fig, title or _("Reactivation rate: contacted and control"))
