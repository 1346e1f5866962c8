"""Page discovery for st.navigation: every pages/*.py is a page, its section taken from the file name prefix."""
from __future__ import annotations

import ast
from pathlib import Path

# Sections in menu order, with the file-name prefix that places a page in each.
SECTIONS = (("Overview", "overview"), ("Users", "users"), ("Products", "products"), ("Traffic", "traffic"),
            ("Data", "data_"), ("Risk", "risk"))
# Preferred order inside a section; pages not listed follow alphabetically.
PREFERRED = ("overview", "users", "users_cohorts", "users_lost", "users_churn", "products", "products_inventory",
             "products_bundles", "products_review", "traffic", "traffic_ads", "traffic_search", "traffic_campaigns",
             "traffic_funnel", "data_monitoring", "data_review", "data_upload", "data_sql", "risk", "risk_supply",
             "risk_competition", "risk_reputation")


def page_title(path: Path) -> str:
    """Return the page title: the first line of the module docstring, else the file name."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    return doc.strip().splitlines()[0].rstrip(".") if doc else path.stem.replace("_", " ").title()


def discover(pages_dir: Path) -> dict[str, list[tuple[Path, str]]]:
    """Return {section: [(page file, title), ...]} in menu order."""
    files = sorted(pages_dir.glob("*.py"), key=lambda p: (PREFERRED.index(p.stem) if p.stem in PREFERRED else 99, p.stem))
    layout: dict[str, list[tuple[Path, str]]] = {}
    for section, prefix in SECTIONS:
        members = [(p, page_title(p)) for p in files if p.stem.startswith(prefix)]
        if members:
            layout[section] = members
    return layout
