"""``python -m ecomops churn train|score|evaluate``: the churn model from the command line.

- ``train``: fit on features as of T - H, labels (T - H, T]; evaluate out of time; save and register the model.
- ``evaluate``: out-of-time backtest at T (fit at T - 2H, test at T - H); ``--json`` prints exactly
  {"auc", "pr_auc", "lift_top_decile", "baseline_recency_auc", "baseline_bgnbd_auc", "baseline_bgnbd_alive_auc",
  "n_train", "n_test", "cutoff"} (BG/NBD: P(order in the horizon) and P(alive), fitted on the history to the test
  cutoff).
- ``uplift``: treatment vs control of each recorded outreach (a valid order within the churn horizon after the sent
  date), the uplift and its 95% interval; ``--json`` prints one object per outreach date.
- ``score``: dormant customers as of the last day of data, ranked by P(return), with reasons and recommendations
  (``--out FILE.csv`` writes them all; ``--top N`` limits what is printed). It reads the scores stored when the
  model was trained or the data last changed (derived.CHURN_SCORES), scoring again only when they are stale.
"""
from __future__ import annotations

import argparse
import sys

from ecomops import db, exports
from ecomops.commands import CommandError, add_db_argument, parse_date, print_json
from ecomops.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``churn`` subcommand."""
    parser = sub.add_parser("churn", help=_("train, evaluate or score the churn model (dormant-customer reactivation)"))
    parser.add_argument("action", choices=("train", "score", "evaluate", "uplift"))
    add_db_argument(parser)
    parser.add_argument("--cutoff", type=parse_date, default=None,
                        help="cutoff date T (YYYY-MM-DD), default: the last day with a valid order")
    parser.add_argument("--horizon-days", type=int, default=None,
                        help=_("horizon H of the churn label in days (default: the churn horizon setting in force)"))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--out", default=None, help="score: write the scored dormant customers to this CSV file")
    parser.add_argument("--top", type=int, default=20, help="score: how many customers to print (default 20)")
    parser.add_argument("--max-train-rows", type=int, default=None,
                        help="fit on at most this many customers (stratified subsample; default 250000)")
    parser.set_defaults(func=run)


def _progress(args: argparse.Namespace):
    def report(message: str) -> None:
        print(message, file=sys.stderr, flush=True)
    return report


def run(args: argparse.Namespace) -> int:
    """Run one churn action; return the exit code."""
    from ecomops.users import churn
    from ecomops.users import targeting

    if args.horizon_days is not None and args.horizon_days < 7:
        raise CommandError("--horizon-days must be at least 7")
    con = db.connect(args.db)
    limits = {"max_train_rows": args.max_train_rows} if args.max_train_rows else {}
    progress = _progress(args)
    try:
        if args.action == "evaluate":
            result = churn.backtest(con, args.cutoff, args.horizon_days, progress, **limits)
            if args.json:
                print_json(result.summary())
            else:
                _print_evaluation(result)
            return 0
        if args.action == "uplift":
            _print_uplift(targeting.reactivation_results(con), args.json)
            return 0
        if args.action == "train":
            trained = churn.train(con, args.cutoff, args.horizon_days, progress, **limits)
            if args.json:
                print_json({"model_id": trained.model_id, "path": str(trained.path), **trained.evaluation.summary()})
            else:
                print(f"Registered churn model #{trained.model_id} ({trained.path}), cutoff {trained.cutoff}.")
                _print_evaluation(trained.evaluation)
            return 0
        if args.cutoff:
            print("note: score always uses the last day of data; --cutoff is ignored", file=sys.stderr)
        _, refused = churn.latest_usable_model(con, progress)  # a refused model file is retrained, never loaded
        if refused:
            print(f"note: {refused}", file=sys.stderr)
        scored = targeting.stored_dormant(con)  # stored at training / after imports; rebuilt if stale
    except (churn.InsufficientHistoryError, churn.ModelIntegrityError) as exc:
        raise CommandError(str(exc)) from exc
    if args.out:
        exports.write_csv(targeting.export_frame(scored), args.out)
        print(f"Wrote {len(scored):,} scored dormant customers to {args.out}", file=sys.stderr)
    if args.json:
        print_json(targeting.export_frame(scored.head(args.top)).to_dict(orient="records"))
        return 0
    summary = targeting.expected_outcome(scored)
    print(f"{summary['customers']:,} dormant customers; expected returns {summary['expected_returns']:,.0f}, "
          f"expected revenue ¥{summary['expected_revenue']:,.0f}. Top {min(args.top, len(scored))}:")
    for row in scored.head(args.top).itertuples():
        print(f"  {row.customer_id:<12} P(return) {row.p_return:6.1%}  EV ¥{row.expected_value:8,.0f}  "
              f"{row.recommendations or '-'}\n      why: {row.reasons}")
    return 0


def _print_evaluation(result) -> None:
    print(f"Out-of-time evaluation at cutoff {result.cutoff} (horizon {result.horizon_days} days): "
          f"trained on {result.n_train:,} customers, tested on {result.n_test:,} (churn rate {result.churn_rate:.1%}).")
    print(_("Same test customers, same window: the churn model against recency alone and BG/NBD alone."))
    print(result.metrics_table().drop(columns="scorer").to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if not result.calibration.empty:
        print("\nCalibration (deciles of predicted churn probability):")
        cols = ["bin", "model_predicted", "model_observed", "baseline_predicted", "baseline_observed"]
        print(result.calibration[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\nMost important features (drop in ROC AUC when shuffled):")
    print(result.importance.head(8)[["feature", "importance"]].to_string(index=False, float_format=lambda v: f"{v:.4f}"))


def _print_uplift(results, as_json: bool) -> None:
    from ecomops.i18n import fmt
    from ecomops.users import targeting

    if as_json:
        print_json([{**row, "sent_date": str(row["sent_date"])} for row in results.to_dict(orient="records")])
        return
    if results.empty:
        print(_("No outreach recorded yet."))
        return
    for row in results.itertuples():
        print(_("Outreach of {day}: treatment {treated} reactivated of {n_treated}, control {control} of {n_control}; "
                "uplift {uplift}.", day=row.sent_date, treated=fmt.percent(row.treatment_rate),
                n_treated=fmt.count(row.treatment_customers), control=fmt.percent(row.control_rate),
                n_control=fmt.count(row.control_customers),
                uplift=targeting.uplift_text(row.uplift, row.ci_low, row.ci_high)))
