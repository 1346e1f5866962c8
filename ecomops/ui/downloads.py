"""CSV downloads built only when the user clicks (deferred download data), not on every run of the page."""
from __future__ import annotations

from typing import Callable

import pandas as pd


def csv(frame: pd.DataFrame, encoding: str = "utf-8") -> Callable[[], bytes]:
    """Return a callable giving the frame as CSV bytes, for ``st.download_button(data=..., on_click="ignore")``.

    Why deferred: a page otherwise encodes every downloadable table on every run (cold and warm) though few runs
    end in a download; "utf-8-sig" (with BOM) lets Excel open Chinese text.
    """
    def build() -> bytes:
        return frame.to_csv(index=False).encode(encoding)

    return build
