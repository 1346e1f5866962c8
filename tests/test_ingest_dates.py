"""Dates decided per column from the evidence of all its values (issue 15), and time zones applied once."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ecomops import config, db
from ecomops.ingest import dates, import_file
from tests.ingest_support import ORDERS_HEADER, write_csv


def _decide(values: list[str], **kw) -> tuple[dates.DateStyle, list]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest($v) AS c", {"v": values})
    style = dates.decide_columns(con, "t", {"c": "c"}, **kw)["c"]
    parsed = [r[0] for r in con.execute(f"SELECT {dates.timestamp_sql('c', style)} FROM t").fetchall()]
    return style, parsed


@pytest.mark.parametrize("values,formats,first", [
    (["04-30-22", "04-01-22"], ("%m-%d-%y",), datetime(2022, 4, 30)),  # Amazon's sales report
    (["Mar-05-24", "Dec-31-23"], ("%b-%d-%y",), datetime(2024, 3, 5)),  # eBay
    (["3/5/2024", "25/12/2024"], ("%d/%m/%Y",), datetime(2024, 5, 3)),  # a day above 12 first: day first
    (["12/1/2010 8:26", "12/13/2011 12:50"], ("%m/%d/%Y %H:%M",), datetime(2010, 12, 1, 8, 26)),
    (["05.03.2024", "31.12.2024 10:00"], ("%d.%m.%Y", "%d.%m.%Y %H:%M"), datetime(2024, 3, 5)),
    (["2024年3月5日 14:02"], ("%Y-%m-%d %H:%M",), datetime(2024, 3, 5, 14, 2)),
    (["05-Mar-2024"], ("%d-%b-%Y",), datetime(2024, 3, 5)),
    (["Mar 5, 2024"], ("%b %d, %Y",), datetime(2024, 3, 5)),
    (["3/5/2024 2:05 PM"], ("%m/%d/%Y %I:%M %p",), datetime(2024, 3, 5, 14, 5)),
    (["20240305"], ("%Y%m%d",), datetime(2024, 3, 5)),
])
def test_formats_are_decided_from_the_shapes(values, formats, first) -> None:
    style, parsed = _decide(values)
    assert style.formats == formats and parsed[0] == first and None not in parsed


def test_numbers_are_epochs_or_serials_by_their_digits() -> None:
    style, parsed = _decide(["1511544070", "1511544080"])
    assert style.epoch == "s" and parsed[0] == datetime(2017, 11, 24, 17, 21, 10)  # UTC wall time without a zone
    assert _decide(["1511544070123"])[0].epoch == "ms"
    assert _decide(["1709640000000000"])[0].epoch == "us"
    style, parsed = _decide(["45356.5", "45357"])
    assert style.serial and parsed == [datetime(2024, 3, 5, 12), datetime(2024, 3, 6)]


def test_ambiguous_dates_say_so_and_follow_the_users_order() -> None:
    style, parsed = _decide(["3/5/2024", "4/6/2024"])
    assert style.ambiguous and parsed[0] == datetime(2024, 3, 5) and "ambiguous" in style.label
    style, parsed = _decide(["3/5/2024", "4/6/2024"], date_order="dmy")
    assert not style.ambiguous and parsed[0] == datetime(2024, 5, 3)


def test_a_day_above_12_on_the_last_row_decides_the_whole_column(monkeypatch) -> None:
    """The shapes come from a sample; the day/month evidence from every value."""
    monkeypatch.setattr(dates, "SHAPE_SAMPLE", 10)
    values = [f"{1 + i % 12}/{1 + i % 12}/2024" for i in range(1000)] + ["3/25/2024"]
    style, parsed = _decide(values)
    assert style.formats == ("%m/%d/%Y",) and not style.ambiguous and parsed[-1] == datetime(2024, 3, 25)
    values[-1] = "25/3/2024"
    style, parsed = _decide(values)
    assert style.formats == ("%d/%m/%Y",) and parsed[-1] == datetime(2024, 3, 25)


def test_offsets_are_converted_to_the_store_time_zone_once(tmp_path: Path) -> None:
    rows = [["Z1", "2024-03-01T18:53:56+00:00", "c1", "P1", "Mug", "1", "10", "paid"],
            ["Z2", "2024-03-01T23:30:00-05:00", "c2", "P1", "Mug", "1", "10", "paid"]]
    path = write_csv(tmp_path / "zones.csv", ORDERS_HEADER, rows)
    con = db.connect_memory()
    result = import_file(con, path, timezone="Asia/Shanghai")
    assert result.status == "imported" and config.store_timezone(con) == "Asia/Shanghai"
    got = dict(con.execute("SELECT order_id, CAST(order_ts AS VARCHAR) FROM orders").fetchall())
    # 18:53 UTC = 02:53 next day in Beijing; 23:30 -05:00 = 04:30 UTC = 12:30 Beijing, the 2nd.
    assert got == {"Z1": "2024-03-02 02:53:56", "Z2": "2024-03-02 12:30:00"}
    assert con.execute("SELECT order_date FROM orders WHERE order_id = 'Z1'").fetchone()[0].isoformat() == "2024-03-02"
    # Without a store time zone the times are kept as written, and the import says so.
    con2 = db.connect_memory()
    result = import_file(con2, path)
    assert dict(con2.execute("SELECT order_id, CAST(order_ts AS VARCHAR) FROM orders").fetchall()) == {
        "Z1": "2024-03-01 18:53:56", "Z2": "2024-03-01 23:30:00"}
    assert any("kept as written" in n for n in result.notices)


def test_an_export_in_another_zone_is_converted_to_the_store_zone(tmp_path: Path) -> None:
    """A Chinese platform's export (Beijing time, no offset) into a store on London time."""
    header = ["订单编号", "买家会员名", "订单创建时间", "订单付款时间", "宝贝标题", "购买数量", "实际单价", "订单状态"]
    path = write_csv(tmp_path / "tb.csv", header, [["T1", "小明", "2024-03-05 08:00:00", "2024-03-05 08:01:00",
                                                    "杯子", "1", "10", "交易成功"]], encoding="gb18030")
    con = db.connect_memory()
    result = import_file(con, path, timezone="Europe/London")
    assert result.status == "imported"
    assert str(con.execute("SELECT order_ts FROM orders").fetchone()[0]) == "2024-03-05 00:00:00"  # 08:00 +08 = 00:00 GMT
    assert any("Asia/Shanghai time" in n for n in result.notices)
