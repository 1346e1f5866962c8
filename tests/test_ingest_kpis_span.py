"""``kpis`` with no range uses the span of the data present, orders or traffic (issue 15): a store with daily
traffic but no orders yet gets its traffic's UV, not ``uv: null`` over today."""
from __future__ import annotations

import json
from pathlib import Path

from ecomops import db
from ecomops.__main__ import main
from tests.ingest_support import write_csv


def test_kpis_without_range_use_the_traffic_span(tmp_path: Path, capsys) -> None:
    db_path = tmp_path / "traffic_only.duckdb"
    traffic = write_csv(tmp_path / "traffic.csv", ["date", "channel", "device", "uv"],
                        [["2024-03-01", "search", "mobile", "120"], ["2024-03-02", "search", "mobile", "80"],
                         ["2024-03-04", "ads", "pc", "50"]])
    assert main(["import", str(traffic), "--db", str(db_path), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["kpis", "--db", str(db_path), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    db.close(db_path)
    assert (got["start"], got["end"]) == ("2024-03-01", "2024-03-04")
    assert got["uv"] == 250 and got["orders"] == 0 and got["gmv"] == 0
