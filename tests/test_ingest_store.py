"""The store's currency (set once, checked on every import, converted only when the user gives the rate), the
status table (a user's mapping wins over the seed), and the kinds the pages ask for (campaigns, scroll depth, survey
answers, outreach results)."""
from __future__ import annotations

from pathlib import Path

import pytest

from ecomops import config, db
from ecomops.ingest import IngestError, import_file
from ecomops.ingest.statuses import set_status_words, status_map_frame
from tests.ingest_support import ORDERS_HEADER, checksums, write_csv


def _orders(tmp_path: Path, name: str, price: str, currency: str | None = None) -> Path:
    header = ORDERS_HEADER + (["currency"] if currency else [])
    row = ["C1", "2024-03-05", "c1", "P1", "Mug", "2", price, "paid"] + ([currency] if currency else [])
    return write_csv(tmp_path / name, header, [row])


def test_currency_is_set_once_and_a_foreign_file_needs_a_rate(tmp_path: Path) -> None:
    con = db.connect_memory()
    assert not config.store_currency_is_set(con) and config.store_currency(con) == "CNY"
    first = import_file(con, _orders(tmp_path, "gbp.csv", "£12.50"))
    assert first.status == "imported" and config.store_currency(con) == "GBP"
    before = checksums(con)
    with pytest.raises(IngestError, match="in EUR .* store's currency is GBP; nothing was imported.*--fx-rate"):
        import_file(con, _orders(tmp_path, "eur.csv", "10.00", currency="EUR"))
    assert checksums(con) == before
    converted = import_file(con, write_csv(tmp_path / "eur2.csv", ORDERS_HEADER + ["currency"],
                                           [["E1", "2024-03-06", "c2", "P1", "Mug", "2", "10.00", "paid", "EUR"]]),
                            options={"fx_rate": 0.85})
    assert converted.status == "imported" and converted.currency == "GBP"
    assert con.execute("SELECT unit_price FROM order_items WHERE order_id = 'E1'").fetchone()[0] == pytest.approx(8.5)
    with pytest.raises(IngestError, match="You said the amounts are in USD, but the file says EUR"):
        import_file(con, _orders(tmp_path, "eur3.csv", "1", currency="EUR"), currency="USD")


def test_a_new_store_is_asked_for_its_currency_once(tmp_path: Path) -> None:
    con = db.connect_memory()
    path = _orders(tmp_path, "plain.csv", "12.50")
    with pytest.raises(IngestError, match="Which currency"):
        import_file(con, path, currency_required=True)
    assert import_file(con, path, currency="BRL", currency_required=True).status == "imported"
    assert config.store_currency(con) == "BRL" and config.currency_symbol("BRL") == "R$"


def test_a_users_status_mapping_wins_over_the_seed(tmp_path: Path) -> None:
    con = db.connect_memory()
    set_status_words(con, {"交易关闭": "returned", "Shipped - Lost in Transit": "shipped"})
    frame = status_map_frame(con).set_index("word")
    assert frame.loc["交易关闭", "status"] == "returned" and frame.loc["交易关闭", "origin"] == "user"
    assert frame.loc["shipped_lost_in_transit", "status"] == "shipped"
    assert frame.loc["等待买家付款", "status"] == "unpaid" and frame.loc["等待买家付款", "origin"] == "seed"
    rows = [["S1", "2024-03-05", "c1", "P1", "Mug", "1", "9", "交易关闭"]]
    import_file(con, write_csv(tmp_path / "s.csv", ORDERS_HEADER, rows))
    assert con.execute("SELECT status FROM orders").fetchone()[0] == "returned"
    with pytest.raises(ValueError, match="not a model status"):
        set_status_words(con, {"x": "lost"})


def test_campaign_calendar(tmp_path: Path) -> None:
    path = tmp_path / "活动日历.csv"
    path.write_text("活动名称,活动类型,预售开始时间,活动开始时间,活动结束时间\n"
                    "双11,大促,2024-10-20,2024-11-11,2024-11-13\n"
                    "会员日,会员日,,2024-11-19,2024-11-19\n"
                    "周末秒杀,秒杀,,2024-11-23,2024-11-24\n"
                    "上新,新品,,2024-12-01,2024-12-03\n", encoding="gb18030")
    con = db.connect_memory()
    result = import_file(con, path)
    assert (result.status, result.kind) == ("imported", "campaigns")
    assert con.execute("SELECT campaign_id, kind, start_date, end_date, presale_start FROM campaigns ORDER BY start_date"
                       ).fetchall() == [
        ("双11 2024-11-11", "big_sale", *(pytest.importorskip("datetime").date(2024, m, d) for m, d in
                                         ((11, 11), (11, 13), (10, 20)))),
        ("会员日 2024-11-19", "member_day", *(pytest.importorskip("datetime").date(2024, 11, 19),) * 2, None),
        ("周末秒杀 2024-11-23", "flash_sale", pytest.importorskip("datetime").date(2024, 11, 23),
         pytest.importorskip("datetime").date(2024, 11, 24), None),
        ("上新 2024-12-01", "other", pytest.importorskip("datetime").date(2024, 12, 1),
         pytest.importorskip("datetime").date(2024, 12, 3), None)]
    # Importing the edited calendar again updates the same campaigns (the id is the name and the start).
    assert import_file(con, path, force=True).updated["campaigns"] == 4


def test_outreach_survey_and_scroll_depth(tmp_path: Path) -> None:
    con = db.connect_memory()
    outreach = write_csv(tmp_path / "outreach.csv", ["customer_id", "sent_date", "group", "offer", "converted"],
                         [["c1", "2024-01-05", "实验组", "满100减20", "yes"], ["c2", "2024-01-05", "对照组", "", "no"],
                          ["c3", "2024-01-05", "holdout", "", ""], ["c4", "2024-01-05", "treatment", "coupon", "1"]])
    result = import_file(con, outreach)
    assert (result.status, result.kind) == ("imported", "outreach")
    assert con.execute("SELECT customer_id, arm, offer, converted FROM reactivation_outreach ORDER BY 1").fetchall() == [
        ("c1", "treatment", "满100减20", True), ("c2", "control", None, False), ("c3", "control", None, None),
        ("c4", "treatment", "coupon", True)]
    bad = write_csv(tmp_path / "outreach_bad.csv", ["customer_id", "sent_date", "group"], [["c9", "2024-01-05", "maybe"]])
    assert "not treatment or control" in import_file(con, bad).errors[0]
    survey = write_csv(tmp_path / "survey.csv", ["会员名", "提交时间", "流失原因", "补充说明"],
                       [["c1", "2024-02-01", "价格太贵", "同款便宜"], ["c2", "2024-02-03", "尺码不合适", ""]])
    result = import_file(con, survey)
    assert (result.status, result.kind) == ("imported", "surveys")
    assert con.execute("SELECT count(*), count(comment) FROM customer_surveys").fetchone() == (2, 1)
    scroll = write_csv(tmp_path / "scroll.csv", ["date", "device", "screen", "visitors"],
                       [["2024-02-01", "mobile", "1", "100"], ["2024-02-01", "mobile", "2", "60"],
                        ["2024-02-01", "", "1", "40"]])
    result = import_file(con, scroll)
    assert (result.status, result.kind) == ("imported", "scroll_depth")
    assert con.execute("SELECT device, screen, visitors FROM scroll_depth ORDER BY 1, 2").fetchall() == [
        ("all", 1, 40), ("mobile", 1, 100), ("mobile", 2, 60)]
