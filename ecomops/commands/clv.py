"""``python -m ecomops clv fit|score|evaluate``: predicted customer value (BG/NBD + Gamma-Gamma) from the command line.

- ``fit``: fit as of the last day of data (or ``--cutoff``) and print the parameters; ``--json`` prints
  {"as_of", "customers", "repeat_customers", "fit_seconds", "bgnbd": {...}, "gamma_gamma": {...}}.
- ``score``: every customer's P(alive), expected orders in 30/90/365 days, expected spend, 12-month value and next
  order date, highest value first (the stored values as of the last day of data; with ``--cutoff`` fitted and
  scored as of that day). ``--out FILE.csv`` writes them all, ``--top N`` limits what is printed.
- ``evaluate``: out-of-time backtest: fit on the orders up to the cutoff (default: last day - horizon), predict each
  customer's orders and spend in the ``--horizon-days`` after it (default: the churn horizon in force) against the
  naive baseline (the customer's past order rate); ``--json`` prints ``value.Backtest.summary()``.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date

from ecomops import config, db, exports
from ecomops.commands import CommandError, add_db_argument, parse_date, print_json
from ecomops.i18n import _, fmt

CHOICES = ("fit", "score", "evaluate")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``clv`` subcommand."""
    parser = sub.add_parser("clv", help=_("fit, score or evaluate the customer value model (BG/NBD + Gamma-Gamma)"),
                            description=_("Predicted customer value: P(alive), expected orders and spend, 12-month "
                                          "value and next order date per customer, and an out-of-time backtest."))
    parser.add_argument("action", choices=CHOICES, metavar="{fit,score,evaluate}",
                        help=_("fit: print the parameters; score: value per customer; evaluate: backtest"))
    add_db_argument(parser)
    parser.add_argument("--cutoff", type=parse_date, default=None, metavar=_("DATE"),
                        help=_("as-of day (fit, score) or last day of the calibration period (evaluate), YYYY-MM-DD; "
                               "default: the last day with a valid order (evaluate: minus the horizon)"))
    parser.add_argument("--horizon-days", type=int, default=None, metavar="N",
                        help=_("evaluate: length of the holdout in days (default: the churn horizon setting)"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON object"))
    parser.add_argument("--out", default=None, metavar=_("FILE"),
                        help=_("score: write every scored customer to this CSV file"))
    parser.add_argument("--top", type=int, default=20, metavar="N",
                        help=_("score: how many customers to print (default 20)"))
    parser.set_defaults(func=run)


def _last_day(con) -> date:
    row = db.query_one(con, "SELECT max(order_date) FROM valid_orders WHERE customer_id IS NOT NULL")
    if not row or row[0] is None:
        raise CommandError(_("No customer orders yet: import orders with customer ids first."))
    return row[0]


def _check_cutoff(con, cutoff: date | None, strict: bool) -> date:
    """Return the as-of day; CommandError when it lies after the data (or, when ``strict``, on its last day)."""
    last = _last_day(con)
    if cutoff is None:
        return last
    if cutoff > last or (strict and cutoff >= last):
        raise CommandError(_("The cutoff {cutoff} is not before the last day of data ({last}).", cutoff=cutoff,
                             last=last))
    return cutoff


def run(args: argparse.Namespace) -> int:
    """Run one clv action; return the exit code."""
    from ecomops.users import value

    if args.horizon_days is not None and args.horizon_days < 7:
        raise CommandError(_("--horizon-days must be at least 7"))
    con = db.connect(args.db)
    try:
        if args.action == "evaluate":
            horizon = args.horizon_days or config.thresholds(con).churn_horizon_days
            if args.cutoff is not None:
                _check_cutoff(con, args.cutoff, strict=True)
            result = value.backtest(con, args.cutoff, horizon)
            if args.json:
                print_json(result.summary())
            else:
                _print_evaluation(result)
            return 0
        as_of = _check_cutoff(con, args.cutoff, strict=False)
        if args.action == "fit":
            model = value.fit_as_of(con, as_of)
            if args.json:
                print_json({"as_of": as_of, "customers": model.customers, "repeat_customers": model.repeat_customers,
                            "fit_seconds": model.fit_seconds, "bgnbd": _fields(model.bg), "gamma_gamma": _fields(model.gg)})
            else:
                _print_fit(model)
            return 0
        scored = _scored(con, value, args.cutoff, as_of)
    except value.NotEnoughRepeatCustomersError as exc:
        raise CommandError(str(exc)) from exc
    if args.out:
        exports.write_csv(scored, args.out)
        print(_("Wrote {n} scored customers to {path}", n=fmt.count(len(scored)), path=args.out), file=sys.stderr)
    if args.json:
        print_json({"as_of": as_of, "customers": scored.head(args.top).to_dict(orient="records")})
        return 0
    total = float(scored["value_365"].sum())
    print(_("{n} customers as of {day}; predicted value in the next 12 months {total}. Top {top}:",
            n=fmt.count(len(scored)), day=as_of, total=fmt.money(total, config.store_currency(con), decimals=0),
            top=fmt.count(min(args.top, len(scored)))))
    columns = ["customer_id", "p_alive", "expected_orders_365", "expected_spend", "value_365", "next_order_date"]
    print(scored.head(args.top)[columns].to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    return 0


def _scored(con, value, cutoff: date | None, as_of: date):
    """Return the customers' values, highest first: the stored ones, or fitted and scored as of ``cutoff``."""
    if cutoff is None:
        info = value.fit_info(con)
        if info["status"] != value.STATUS_FITTED:
            raise CommandError(value.fit_status_text(info))
        return value.top_customers(con, None)
    return value.scored_customers(con, value.fit_as_of(con, as_of))


def _fields(fit) -> dict:
    from dataclasses import asdict
    return asdict(fit)


def _print_fit(model) -> None:
    bg, gg = model.bg, model.gg
    print(_("Fitted as of {day} on {n} customers ({repeat} with a repeat order) in {secs} s.", day=model.as_of,
            n=fmt.count(model.customers), repeat=fmt.count(model.repeat_customers),
            secs=fmt.number(model.fit_seconds, 2)))
    print(f"BG/NBD (days): r={bg.r:.4g} alpha={bg.alpha:.4g} a={bg.a:.4g} b={bg.b:.4g} "
          f"LL={bg.log_likelihood:.1f} converged={bg.converged} {bg.message}")
    print(f"Gamma-Gamma: p={gg.p:.4g} q={gg.q:.4g} gamma={gg.gamma:.4g} (mean spend per order {gg.mean_spend:,.2f}) "
          f"converged={gg.converged}; corr(frequency, spend) {gg.spend_frequency_correlation:.3f}")


def _print_evaluation(result) -> None:
    print(_("Out-of-time evaluation: fitted on orders up to {cutoff}, holdout of {days} days up to {end}; "
            "{n} customers ({repeat} with a repeat order).", cutoff=result.cutoff, days=fmt.count(result.horizon_days),
            end=result.end, n=fmt.count(result.customers), repeat=fmt.count(result.repeat_customers)))
    print(result.metrics.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print("\n" + _("Base forecast (orders of the existing customers, cumulative from the cutoff):"))
    print(result.forecast.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print("\n" + _("Calibration by decile of predicted orders (means per customer; 10 = highest):"))
    print(result.calibration.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print("\n" + _("Who orders again in the holdout, ROC AUC:") + " "
          + ", ".join(f"{k} {v:.3f}" for k, v in result.auc.items()))
