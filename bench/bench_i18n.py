"""Measure the i18n machinery: loading the catalogs (read .po + compile in memory) and the per-call cost of
translating and formatting, so a page with hundreds of strings and numbers knows what they cost.

Usage: python bench/bench_i18n.py [--scale 20]
``--scale`` also times a synthetic catalog N times the size of the zh one (the size after the mass conversion).
Prints one JSON line.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ecomops import i18n  # noqa: E402
from ecomops.i18n import catalogs, fmt  # noqa: E402


def _per_call(fn, n: int = 20000) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=20)
    args = parser.parse_args()
    i18n.reload()
    start = time.perf_counter()
    for locale in i18n.SUPPORTED:
        i18n.core.translations(locale)
    load = time.perf_counter() - start
    zh = catalogs.read("zh_CN")
    # A catalog args.scale times as large (ids suffixed), read and compiled the same way.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    big = catalogs.read("zh_CN")
    for k in range(1, args.scale):
        for message in list(zh):
            if message.id and isinstance(message.id, str):
                big.add(f"{message.id} #{k}", message.string, context=message.context)
    buffer = io.BytesIO()
    write_po(buffer, big, width=0)
    start = time.perf_counter()
    catalog = read_po(io.BytesIO(buffer.getvalue()), locale="zh_CN")
    write_mo(io.BytesIO(), catalog)
    big_load = time.perf_counter() - start
    with i18n.use_locale("zh_CN"):
        calls = {
            "_() no fields": _per_call(lambda: i18n._("error: {message}")),
            "_() one field": _per_call(lambda: i18n._("error: {message}", message="x")),
            "label()": _per_call(lambda: i18n.label("channel", "paid_ads")),
            "fmt.money()": _per_call(lambda: fmt.money(1234.5)),
            "fmt.money(compact)": _per_call(lambda: fmt.money(6_230_000, compact=True)),
            "fmt.count()": _per_call(lambda: fmt.count(12345)),
            "fmt.percent()": _per_call(lambda: fmt.percent(0.1234)),
            "fmt.date()": _per_call(lambda: fmt.date("2026-11-15")),
        }
    print(json.dumps({"messages": len(zh), "load_both_catalogs_s": round(load, 4),
                      f"load_{len(big)}_messages_s": round(big_load, 4),
                      "microseconds_per_call": {k: round(v, 1) for k, v in calls.items()}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
