"""UCI Online Retail cut at arbitrary lines into three overlapping pieces gives exactly the figures of the whole file
(issue 15: the second piece of an order used to replace the whole order, an invoice went from 592 lines to 553).

The cuts fall inside the two largest invoices (573585: 1,114 lines; 581219: 749 lines), and each piece repeats the
last lines of the piece before it. The pieces are imported in file order and, into a second store, in reverse.
"""
from __future__ import annotations

import csv
import gzip
from datetime import date
from pathlib import Path

import pytest

from ecomops import db, metrics
from ecomops.filters import Filters
from ecomops.ingest import import_file
from tests.test_ingest_platforms import figures

CUTS = [(0, 430_600), (430_400, 536_500), (536_300, None)]  # row ranges of the three pieces (data rows, 0-based)


def _snapshot(con) -> dict:
    out = figures(con)
    out["lines"] = con.execute("SELECT count(*) FROM order_items").fetchone()[0]
    out["big_invoices"] = con.execute("SELECT order_id, count(*) FROM order_items WHERE order_id IN ('573585', "
                                      "'581219') GROUP BY 1 ORDER BY 1").fetchall()
    kpis = metrics.kpis(con, Filters(date(2010, 12, 1), date(2011, 12, 9)))
    out["kpis"] = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in kpis.items()}
    return out


@pytest.mark.slow
def test_overlapping_pieces_give_the_figures_of_the_whole_file(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "online_retail.csv.gz"
    with gzip.open(source, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    pieces = []
    for i, (start, end) in enumerate(CUTS, start=1):
        path = tmp_path / f"online_retail_part{i}.csv"
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(rows[start:end])
        pieces.append(path)
    # The cuts fall inside the two biggest invoices, and the pieces overlap.
    assert rows[430_399][0] == rows[430_600][0] == "573585"
    assert rows[536_299][0] == rows[536_500][0] == "581219"

    whole = db.connect_memory()
    assert import_file(whole, source, currency="GBP", accept_valid=True).status == "imported"
    expected = _snapshot(whole)
    assert expected["big_invoices"] == [("573585", 1114), ("581219", 749)]

    for order in (pieces, list(reversed(pieces))):
        con = db.connect_memory()
        for piece in order:
            result = import_file(con, piece, currency="GBP", accept_valid=True)
            assert result.status == "imported", result.errors
        assert _snapshot(con) == expected, [p.name for p in order]
