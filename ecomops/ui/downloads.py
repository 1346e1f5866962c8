"""CSV downloads built only when the user clicks (deferred download data), not on every run of the page."""
from __future__ import annotations

from typing import Callable

import pandas as pd

from ecomops import exports


def csv(frame: pd.DataFrame, encoding: str = "utf-8") -> Callable[[], bytes]:
    """Return a callable giving the frame as CSV bytes, for ``st.download_button(data=..., on_click="ignore")``.

    Why deferred: a page otherwise encodes every downloadable table on every run (cold and warm) though few runs
    end in a download; "utf-8-sig" (with BOM) lets Excel open Chinese text. Cells a spreadsheet would run as a
    formula are defused (ecomops.exports).
    """
    def build() -> bytes:
        return exports.csv_bytes(frame, encoding)

    return build
