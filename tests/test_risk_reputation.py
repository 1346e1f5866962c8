"""Reputation on a tiny hand-built review set: negative rate, reply time, 24-hour SLA; every number by hand.

The range ends 2024-03-10, so "as of" is 2024-03-11 00:00.
"""
from datetime import date

import pandas as pd
import pytest

from ecomops import db
from ecomops.risk import reputation
from ecomops.filters import Filters

RANGE = Filters(date(2024, 3, 1), date(2024, 3, 10))


def fake_classifier(texts, languages):
    """Negative when the text says so: keeps these tests independent of the trained model."""
    return [("差" in t) or ("bad" in t.lower()) for t in texts]


@pytest.fixture
def rev_con():
    con = db.connect_memory()
    con.execute("""
    INSERT INTO products (product_id, title, category) VALUES ('P1', 'Kettle', 'Kitchen'), ('P2', 'Shirt', 'Apparel');
    INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel) VALUES
      ('O1', 'A', '2024-03-01 09:00', '2024-03-01', 'completed', 'search'),
      ('O2', 'B', '2024-03-01 09:00', '2024-03-01', 'completed', 'douyin_live');
    INSERT INTO reviews (review_id, product_id, order_id, rating, review_text, created_ts, replied_ts, language) VALUES
      ('R1', 'P1', 'O1', 1, '坏了', '2024-03-02 10:00', '2024-03-02 20:00', 'zh'),   -- neg, 10 h: in time
      ('R2', 'P1', 'O1', 2, 'meh', '2024-03-03 10:00', '2024-03-05 10:00', 'en'),    -- neg, 48 h: late
      ('R3', 'P1', 'O2', 2, NULL, '2024-03-10 12:00', NULL, NULL),                   -- neg, open 12 h: within SLA
      ('R4', 'P2', 'O2', 1, '差', '2024-03-08 00:00', NULL, 'zh'),                    -- neg, open 72 h: overdue
      ('R5', 'P2', 'O2', NULL, '质量很差', '2024-03-09 00:00', '2024-03-09 06:00', 'zh'),  -- text only -> neg by model, 6 h
      ('R6', 'P2', NULL, NULL, '很好', '2024-03-04 00:00', NULL, 'zh'),               -- text only -> positive
      ('R7', 'P2', NULL, 3, 'ok', '2024-03-04 00:00', NULL, 'en'),                    -- 3 is not negative
      ('R8', 'P2', NULL, 5, 'great', '2024-03-05 00:00', '2024-03-06 12:00', 'en'),   -- positive, 36 h
      ('R9', 'P2', NULL, NULL, NULL, '2024-03-06 00:00', NULL, NULL),                 -- no rating, no text
      ('R10', 'P1', 'O1', 1, 'bad', '2024-03-10 20:00', '2024-03-11 08:00', 'en'),  -- reply after as-of: open 4 h
      ('R11', 'P1', 'O1', 1, 'bad', '2024-02-20 10:00', NULL, 'en');                -- outside the range
    """)
    yield con
    con.close()


def test_classification_and_sla_status(rev_con):
    r = reputation.classified_reviews(rev_con, RANGE, classifier=fake_classifier).set_index("review_id")
    assert len(r) == 10
    assert sorted(r.index[r["negative"]]) == ["R1", "R10", "R2", "R3", "R4", "R5"]
    assert r.loc["R5", "source"] == "model" and r.loc["R6", "source"] == "model" and r.loc["R9", "source"] == "none"
    assert not r.loc["R7", "negative"] and not r.loc["R9", "negative"]
    assert r.loc["R1", "response_hours"] == pytest.approx(10)
    assert r.loc["R2", "response_hours"] == pytest.approx(48)
    assert r.loc["R4", "open_hours"] == pytest.approx(72)
    assert r.loc["R10", "open_hours"] == pytest.approx(4)
    assert r["sla_status"].to_dict() == {
        "R1": "replied in time", "R2": "replied late", "R3": "open, within SLA", "R4": "open, overdue",
        "R5": "replied in time", "R6": "open, overdue", "R7": "open, overdue", "R8": "replied late",
        "R9": "open, overdue", "R10": "open, within SLA"}
    # the SLA applies to negative reviews only: R2 (late) and R4 (overdue)
    assert sorted(r.index[r["sla_breach"]]) == ["R2", "R4"]


def test_summary(rev_con):
    s = reputation.reputation_summary(rev_con, RANGE, classifier=fake_classifier)
    assert (s["reviews"], s["negative"]) == (10, 6)
    assert s["negative_rate"] == pytest.approx(0.6)
    assert (s["classified_by_model"], s["negative_by_model"], s["unclassified"]) == (2, 1, 0)
    assert (s["negative_replied"], s["negative_open"]) == (3, 3)       # R1, R2, R5 replied; R3, R4, R10 open
    assert s["median_response_hours"] == pytest.approx(10)            # 10, 48, 6
    assert s["median_response_hours_all"] == pytest.approx(23)        # 6, 10, 36, 48
    assert (s["sla_breaches"], s["open_overdue"]) == (2, 1)
    assert s["sla_breach_rate"] == pytest.approx(2 / 6)


def test_queue_order(rev_con):
    q = reputation.negative_queue(rev_con, RANGE, open_only=True, classifier=fake_classifier)
    # overdue first, then open within SLA, the longest waiting first
    assert q["review_id"].tolist() == ["R4", "R3", "R10"]
    assert q["hours"].tolist() == pytest.approx([72, 12, 4])
    everything = reputation.negative_queue(rev_con, RANGE, open_only=False, classifier=fake_classifier)
    assert everything["review_id"].tolist() == ["R4", "R3", "R10", "R2", "R1", "R5"]


def test_rate_by_product_and_over_time(rev_con):
    by_product = reputation.negative_rate_by_product(rev_con, RANGE, classifier=fake_classifier).set_index("product_id")
    # P1: R1 R2 R3 R10 all negative (4/4); P2: R4 R5 negative of R4..R9 (2/6)
    assert by_product["negative_rate"].to_dict() == pytest.approx({"P1": 1.0, "P2": 2 / 6})
    assert by_product["above_target"].all()
    daily = reputation.negative_rate_over_time(rev_con, RANGE, classifier=fake_classifier).set_index("period")
    assert daily.attrs["grain"] == "day"
    assert daily.loc["2024-03-04", ["reviews", "negative"]].tolist() == [2, 0]
    assert daily.loc["2024-03-10", ["reviews", "negative"]].tolist() == [2, 2]
    weekly = reputation.negative_rate_over_time(rev_con, RANGE, grain="week", classifier=fake_classifier).set_index("period")
    # weeks starting Monday 2024-02-26 (R1 on 03-02, R2 on 03-03) and Monday 2024-03-04 (the other eight)
    assert weekly["reviews"].to_dict() == {pd.Timestamp("2024-02-26"): 2, pd.Timestamp("2024-03-04"): 8}
    assert weekly["negative"].tolist() == [2, 4]


def test_filters(rev_con):
    live = reputation.classified_reviews(rev_con, Filters(RANGE.start, RANGE.end, channels=("douyin_live",)),
                                 classifier=fake_classifier)
    assert sorted(live["review_id"]) == ["R3", "R4", "R5"]           # reviews of order O2
    kitchen = reputation.reputation_summary(rev_con, Filters(RANGE.start, RANGE.end, categories=("Kitchen",)),
                                    classifier=fake_classifier)
    assert (kitchen["reviews"], kitchen["negative"]) == (4, 4)


def test_without_model_text_only_reviews_are_unclassified(rev_con, monkeypatch, tmp_path):
    from ecomops.risk import reviews_model

    monkeypatch.setenv("ECOMOPS_SHARED_DATA", str(tmp_path / "missing"))
    monkeypatch.setenv("ECOMOPS_MODELS_DIR", str(tmp_path / "models"))
    s = reputation.reputation_summary(rev_con, RANGE)
    assert s["unclassified"] == 2 and s["negative"] == 5
    assert "not found" in s["model_message"]
    with pytest.raises(reviews_model.ReviewsModelUnavailable):
        reviews_model.get_model()


def test_model_labels_are_stored_once_per_model(rev_con, monkeypatch):
    """Reviews with text and no rating are classified once per model file (derived.RISK_REVIEW_LABELS) and read back;
    a new model file (another cache key) relabels them."""
    from ecomops.risk import reviews_model

    calls = []

    class FakeModel:
        def __init__(self, negative_word):
            self.word = negative_word

        def predict_negative(self, texts, languages):
            calls.append(list(texts))
            return [self.word in t for t in texts]

    monkeypatch.setattr(reviews_model, "cache_key", lambda out_dir=None: "model-a")
    monkeypatch.setattr(reviews_model, "get_model", lambda *a, **k: FakeModel("差"))
    r = reputation.classified_reviews(rev_con, RANGE).set_index("review_id")
    assert sorted(calls[0]) == ["很好", "质量很差"]  # R5 and R6 only (R11 has a rating)
    assert r.loc["R5", "negative"] and not r.loc["R6", "negative"] and r.loc["R5", "source"] == "model"
    assert rev_con.execute("SELECT count(*) FROM risk_review_labels WHERE model_key = 'model-a'").fetchone()[0] == 2
    summary = reputation.reputation_summary(rev_con, RANGE)
    assert len(calls) == 1 and summary["negative"] == 6 and summary["negative_by_model"] == 1  # read, not rerun
    monkeypatch.setattr(reviews_model, "cache_key", lambda out_dir=None: "model-b")
    monkeypatch.setattr(reviews_model, "get_model", lambda *a, **k: FakeModel("好"))
    r = reputation.classified_reviews(rev_con, RANGE).set_index("review_id")
    assert len(calls) == 2 and not r.loc["R5", "negative"] and r.loc["R6", "negative"]


@pytest.mark.parametrize("f", [RANGE, Filters(date(2024, 3, 1), date(2024, 3, 10), channels=("douyin_live",)),
                               Filters(date(2024, 2, 1), date(2024, 3, 31))])
def test_sql_summaries_over_stored_labels_match_the_python_path(rev_con, monkeypatch, f):
    """With stored labels the four views are computed in SQL; they equal the Python path with the same labels."""
    from ecomops.risk import reviews_model

    class FakeModel:
        def predict_negative(self, texts, languages):
            return fake_classifier(texts, languages)

    monkeypatch.setattr(reviews_model, "cache_key", lambda out_dir=None: "model-a")
    monkeypatch.setattr(reviews_model, "get_model", lambda *a, **k: FakeModel())
    py = dict(classifier=fake_classifier)
    sql_summary, py_summary = reputation.reputation_summary(rev_con, f), reputation.reputation_summary(rev_con, f, **py)
    assert sql_summary == pytest.approx(py_summary)
    for open_only in (True, False):
        pd.testing.assert_frame_equal(reputation.negative_queue(rev_con, f, open_only),
                                      reputation.negative_queue(rev_con, f, open_only, **py), check_dtype=False)
    pd.testing.assert_frame_equal(reputation.negative_rate_by_product(rev_con, f),
                                  reputation.negative_rate_by_product(rev_con, f, **py), check_dtype=False)
    for grain in ("day", "week"):
        sql_trend = reputation.negative_rate_over_time(rev_con, f, grain)
        pd.testing.assert_frame_equal(sql_trend, reputation.negative_rate_over_time(rev_con, f, grain, **py),
                                      check_dtype=False)
        assert sql_trend.attrs["grain"] == grain


def test_label_rebuild_classifies_only_new_or_edited_text(rev_con, monkeypatch):
    """After a data change only reviews without a current label are classified again (not every review)."""
    from ecomops.risk import reviews_model

    seen = []

    class FakeModel:
        def predict_negative(self, texts, languages):
            seen.append(sorted(texts))
            return fake_classifier(texts, languages)

    monkeypatch.setattr(reviews_model, "cache_key", lambda out_dir=None: "model-a")
    monkeypatch.setattr(reviews_model, "get_model", lambda *a, **k: FakeModel())
    reputation.reputation_summary(rev_con, RANGE)
    rev_con.execute("""INSERT INTO reviews (review_id, product_id, rating, review_text, created_ts, language)
                       VALUES ('R12', 'P1', NULL, 'bad lid', '2024-03-09 10:00', 'en')""")
    rev_con.execute("UPDATE reviews SET review_text = '差评' WHERE review_id = 'R6'")  # edited in place
    summary = reputation.reputation_summary(rev_con, RANGE)
    assert seen == [["很好", "质量很差"], ["bad lid", "差评"]]
    assert summary["negative_by_model"] == 3  # R5, the edited R6 and R12
    labels = rev_con.execute("SELECT review_id, negative FROM risk_review_labels ORDER BY 1").fetchall()
    assert labels == [("R12", True), ("R5", True), ("R6", True)]
