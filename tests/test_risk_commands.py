"""The risk and reviews-model commands: exit codes and output on a tiny database."""
import json

from ecomops import db
from ecomops.__main__ import main


def test_risk_check_and_scan(tmp_path, capsys):
    path = tmp_path / "r.duckdb"
    con = db.connect(path)
    con.execute("""INSERT INTO products (product_id, title, category) VALUES ('P1', '顶级保温杯', 'Kitchen'),
                   ('P2', '最近上新 保温杯', 'Kitchen')""")
    con.execute("""INSERT INTO orders (order_id, order_ts, order_date, status) VALUES
                   ('O1', '2024-03-01 10:00', '2024-03-01', 'completed')""")
    db.close(path)
    assert main(["risk", "--db", str(path), "check", "销量第一 best", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["suggested"] == "销量领先 great" and [f["matched"] for f in out["findings"]] == ["第一", "best"]
    assert main(["risk", "--db", str(path), "check", "第一次购买"]) == 0
    assert "No banned" in capsys.readouterr().out
    assert main(["risk", "--db", str(path), "scan", "--json"]) == 0
    assert [row["product_id"] for row in json.loads(capsys.readouterr().out)] == ["P1"]
    assert main(["risk", "--db", str(path), "summary", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["compliance"]["products_flagged"] == 1 and summary["start"] == "2024-03-01"
    assert main(["risk", "--db", str(path), "check"]) == 2
    db.close(path)


def test_reviews_model_without_data_fails_clearly(tmp_path, monkeypatch, capsys):
    from ecomops.risk import reviews_model

    monkeypatch.setenv("ECOMOPS_SHARED_DATA", str(tmp_path / "missing"))
    monkeypatch.setenv("ECOMOPS_MODELS_DIR", str(tmp_path / "models"))
    reviews_model._loaded.pop(str((tmp_path / "models").resolve()), None)
    assert main(["reviews-model", "evaluate"]) == 2
    assert "Review training data not found" in capsys.readouterr().err
