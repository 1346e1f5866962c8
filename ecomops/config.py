"""Settings: database path and the thresholds of METRICS.md, with documented defaults.

The database path comes from an explicit argument (``--db`` on the command line), else the environment
variable ``ECOMOPS_DB``, else ``data/ecomops.duckdb`` under the project root, so the app and the command line agree.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "ecomops.duckdb"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """Return the database path: explicit argument, else $ECOMOPS_DB, else data/ecomops.duckdb."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("ECOMOPS_DB")
    if env:
        return Path(env)
    return DEFAULT_DB_PATH


@dataclass(frozen=True)
class Thresholds:
    """Metric thresholds from METRICS.md; every page and test reads them from here."""

    new_days: int = 30  # first valid order within this many days -> "new"
    active_days: int = 90  # recency <= this -> "active"
    dormant_days: int = 180  # active_days < recency <= this -> "dormant"; beyond -> "lost"
    churn_horizon_days: int = 90  # H of the churn label
    abc_window_days: int = 90  # trailing window of the ABC classification
    abc_a_share: float = 0.80
    abc_b_share: float = 0.95
    cover_window_days: int = 28  # trailing window of "average daily units sold" for days of cover
    a_min_cover_days: int = 14  # alert A items under this many days of cover
    c_max_cover_days: int = 90  # alert C items over this many days of cover
    negative_rating_max: int = 2  # rating <= this is a negative review
    negative_rate_target: float = 0.05
    reply_sla_hours: float = 24.0
    backup_restock_hours: float = 72.0
    conversion_drop_alert: float = 0.05  # "needs attention": conversion down >5% vs its 7-day median
    roi_floor: float = 1.0  # channels with ROI below this are flagged


THRESHOLDS = Thresholds()
