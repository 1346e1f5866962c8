"""One definition of reactivation uplift: the same outreach, recorded the way the Churn page records it (converted
left NULL), gives the same treatment/control rates, uplift and interval on the Churn page's results, the weekly
review, its HTML export and the command line — all from the orders, never from the stored converted flag."""
from __future__ import annotations

import json
import re
import shutil
from datetime import timedelta

import pandas as pd
import pytest

from ecomops import db
from ecomops.__main__ import main
from ecomops.i18n import fmt, use_locale
from ecomops.ops import report
from ecomops.users import churn, targeting


@pytest.fixture
def outreach_db(demo_db_path, tmp_path):
    """A demo copy holding one outreach only: 400 customers dormant 100 days before the end, sent that day."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db_path, path)
    con = db.connect(path)
    end = churn.last_order_day(con)
    sent = end - timedelta(days=100)
    with db.transaction(con, sales_data=False) as cur:
        cur.execute("DELETE FROM reactivation_outreach")
    dormant = churn.features(con, sent, 90, 180).sort_values("customer_id").head(400)
    targeting.record_outreach(con, dormant[["customer_id"]], sent, 0.5, seed=3, offer="gift")
    # A stored flag that contradicts the orders: it must not be read anywhere.
    con.execute("UPDATE reactivation_outreach SET converted = (arm = 'control')")
    yield path, con, sent, end
    db.close(path)


def test_same_uplift_on_every_surface(outreach_db, capsys):
    path, con, sent, end = outreach_db
    # By hand: a valid order in (sent, sent + horizon], per arm.
    horizon = churn.config.thresholds(con).churn_horizon_days
    truth = con.execute("""
        SELECT r.arm, count(*) AS n, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM valid_orders o
               WHERE o.customer_id = r.customer_id AND o.order_date > r.sent_date
                 AND o.order_date <= r.sent_date + $h)) AS back
        FROM reactivation_outreach r GROUP BY r.arm""", {"h": horizon}).df().set_index("arm")
    rate = truth["back"] / truth["n"]
    expected = rate["treatment"] - rate["control"]

    page = targeting.reactivation_results(con).iloc[-1]  # what the Churn page shows (its AppTest checks the metric)
    assert page["uplift"] == pytest.approx(expected)
    assert page["ci_low"] < expected < page["ci_high"]

    review = report.build_review(con, "week", end)
    assert report.reactivation_uplift(review.reactivation) == pytest.approx(expected)
    arms = review.reactivation.set_index("arm")
    assert arms.loc["treatment", "converted"] == truth.loc["treatment", "back"]  # not the stored flag (all False)
    assert arms.loc["control", "ci_low"] == pytest.approx(page["ci_low"])

    html = report.render_html(review)
    shown = re.search(r"Uplift \(contacted − control\): <b>([+−-]?\d+\.\d) pp</b> \(confidence interval \(95%\) "
                      r"([+−-]?\d+\.\d) pp – ([+−-]?\d+\.\d) pp\)", html)
    assert shown is not None
    assert [float(v.replace("−", "-")) for v in shown.groups()] == pytest.approx(
        [round(page[k] * 100, 1) for k in ("uplift", "ci_low", "ci_high")], abs=0.051)

    assert main(["churn", "uplift", "--json", "--db", str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)[-1]
    assert printed["uplift"] == pytest.approx(page["uplift"])
    assert (printed["ci_low"], printed["ci_high"]) == pytest.approx((page["ci_low"], page["ci_high"]))
    with use_locale("en"):
        assert main(["churn", "uplift", "--db", str(path)]) == 0
        assert targeting.uplift_text(page["uplift"], page["ci_low"], page["ci_high"]) in capsys.readouterr().out
