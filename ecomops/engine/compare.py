"""Compare two query results the way the engine tests do: same columns, same rows, floats to a relative tolerance."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

REL_TOL = 1e-9


def _cell(value: Any) -> Any:
    """Return a comparable plain value (NULL-like values as None, numbers as float, dates as ISO text)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return float(value)
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_cell(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _cell(v)) for k, v in value.items()))
    return value


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(_cell(v) for v in row) for row in frame.itertuples(index=False, name=None)]


def _key(row: tuple) -> tuple:
    return tuple((v is None, "" if v is None else (round(v, 6) if isinstance(v, float) else str(v))) for v in row)


def _same(a: Any, b: Any, rel: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=rel, abs_tol=1e-12) or (math.isinf(a) and a == b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y, rel) for x, y in zip(a, b))
    return a == b


def difference(expected: pd.DataFrame, actual: pd.DataFrame, ordered: bool = False, rel: float = REL_TOL
               ) -> str | None:
    """Return None when both results hold the same rows (in the same order when ``ordered``), else what differs."""
    if list(expected.columns) != list(actual.columns):
        return f"columns differ: {list(expected.columns)} vs {list(actual.columns)}"
    if len(expected) != len(actual):
        return f"row count differs: {len(expected)} vs {len(actual)}"
    left, right = _rows(expected), _rows(actual)
    if not ordered:
        left, right = sorted(left, key=_key), sorted(right, key=_key)
    for number, (a, b) in enumerate(zip(left, right)):
        if not _same(a, b, rel):
            cols = [c for c, x, y in zip(expected.columns, a, b) if not _same(x, y, rel)]
            return (f"row {number} differs in {cols}: "
                    f"{[x for c, x in zip(expected.columns, a) if c in cols]} vs "
                    f"{[y for c, y in zip(expected.columns, b) if c in cols]}")
    return None
