"""Snapshot of what every page shows, to compare two versions of the code (a refactor must change no figure).

    python bench/page_snapshot.py --out bench/out/pages_before.json [--db PATH]
    python bench/page_snapshot.py --compare bench/out/pages_before.json bench/out/pages_after.json

Runs every page of the app with Streamlit's AppTest on a demo database (2,000 customers, seed 7, churn model trained:
built once at --db unless it exists) and records, per page, every visible element's content: titles, texts,
metrics (label, value, delta, help), tables (all cells), chart specs (Plotly JSON without ids), widget labels,
options and values. --compare prints the first differences per page and exits 1 when any page differs.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, PROJECT_ROOT  # noqa: E402

DEFAULT_DB = OUT / "snapshot" / "demo.duckdb"


def build_db(path: Path) -> None:
    """Create the demo database with a trained churn model at ``path`` (in child processes, as a user would)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ECOMOPS_MODELS": str(path.parent / "models"), "ECOMOPS_MODELS_DIR": str(path.parent / "models")}
    for args in (["demo", "--customers", "2000", "--seed", "7", "--db", str(path)],
                 ["churn", "train", "--db", str(path)], ["reviews-model", "train"]):
        subprocess.run([sys.executable, "-m", "ecomops", *args], check=True, cwd=PROJECT_ROOT, env=env,
                       stdout=subprocess.DEVNULL)


def _plain(value):
    """Return a JSON-able form of an element value (DataFrames as records)."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        frame = value.reset_index(drop=False) if not isinstance(value.index, pd.RangeIndex) else value
        return {"columns": [str(c) for c in frame.columns],
                "rows": _strip_ids(json.loads(frame.to_json(orient="values", date_format="iso", double_precision=15)))}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _strip_ids(spec):
    """Return the Plotly spec without element ids, typed arrays decoded and floats rounded to 9 significant digits
    (DuckDB's parallel sums may differ in the last bits from run to run)."""
    if isinstance(spec, dict) and "bdata" in spec and "dtype" in spec:
        import base64

        import numpy as np

        values = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=spec["dtype"])
        return [_strip_ids(float(v)) if values.dtype.kind == "f" else int(v) for v in values]
    if isinstance(spec, float):
        return float(f"{spec:.9g}")
    if isinstance(spec, dict):
        return {k: _strip_ids(v) for k, v in spec.items() if k not in ("uid", "id")}
    if isinstance(spec, list):
        return [_strip_ids(v) for v in spec]
    return spec


def elements(block) -> list:
    """Return the visible content of every element under an AppTest block, in order."""
    out = []
    for node in block:
        kind = node.type
        if kind in ("title", "header", "subheader", "markdown", "caption", "text", "code", "latex", "info",
                    "success", "warning", "error", "exception", "toast"):
            out.append([kind, _plain(getattr(node, "value", None))])
        elif kind == "metric":
            out.append([kind, node.label, node.value, node.delta, getattr(node.proto, "help", "")])
        elif kind in ("dataframe", "arrow_data_frame", "table"):
            out.append([kind, _plain(node.value)])
        elif kind == "plotly_chart":
            out.append([kind, _strip_ids(json.loads(node.proto.spec))])
        elif kind in ("selectbox", "multiselect", "radio", "select_slider", "number_input", "text_input",
                      "date_input", "checkbox", "toggle", "slider", "text_area"):
            options = list(getattr(node, "options", []) or [])
            out.append([kind, node.label, _plain(options), _plain(node.value)])
        elif kind in ("button", "download_button"):
            out.append([kind, getattr(node.proto, "label", "")])
        elif kind == "expander":
            out.append([kind, node.proto.label if hasattr(node.proto, "label") else ""])
        else:
            out.append([kind])
        children = getattr(node, "children", None)
        if children:
            out.extend(elements(children.values() if isinstance(children, dict) else children))
    return out


def page_files() -> list[Path]:
    """Return the page files of the app, sorted."""
    return sorted((PROJECT_ROOT / "pages").glob("*.py"))


def snapshot(db: Path) -> dict:
    """Return {page: {"main": [...], "sidebar": [...]}} for every page of the app on the database."""
    import shutil

    from streamlit.testing.v1 import AppTest

    # Pages write summary tables and caches: each snapshot runs on a fresh copy of the built database.
    work = db.with_name("snapshot_run.duckdb")
    shutil.copyfile(db, work)
    os.environ["ECOMOPS_DB"] = str(work)
    os.environ["ECOMOPS_MODELS"] = str(db.parent / "models")
    os.environ["ECOMOPS_MODELS_DIR"] = str(db.parent / "models")
    os.chdir(PROJECT_ROOT)
    result = {}
    for path in page_files():
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300)
        at.run()
        at.switch_page(str(path.relative_to(PROJECT_ROOT))).run()
        result[path.stem] = {"main": elements(at.main), "sidebar": elements(at.sidebar)}
        print(f"{path.stem}: {len(result[path.stem]['main'])} elements", file=sys.stderr, flush=True)
    return result


def compare(before: dict, after: dict, show: int = 5) -> int:
    """Print the differences between two snapshots; return the number of pages that differ."""
    differing = 0
    for page in sorted(set(before) | set(after)):
        a, b = before.get(page), after.get(page)
        if a == b:
            print(f"{page}: same")
            continue
        differing += 1
        if a is None or b is None:
            print(f"{page}: only in {'after' if a is None else 'before'}")
            continue
        for part in ("main", "sidebar"):
            x, y = a[part], b[part]
            if x == y:
                continue
            print(f"{page} [{part}]: {len(x)} vs {len(y)} elements")
            shown = 0
            for i in range(max(len(x), len(y))):
                ex = x[i] if i < len(x) else None
                ey = y[i] if i < len(y) else None
                if ex != ey:
                    print(f"  #{i}\n    before: {json.dumps(ex, ensure_ascii=False)[:400]}\n"
                          f"    after:  {json.dumps(ey, ensure_ascii=False)[:400]}")
                    shown += 1
                    if shown >= show:
                        break
    return differing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        differing = compare(before, after)
        print(f"{differing} of {len(set(before) | set(after))} pages differ")
        return 1 if differing else 0
    if not args.db.exists():
        build_db(args.db)
    data = snapshot(args.db)
    out = args.out or OUT / "pages_snapshot.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
