"""Reasons read consistently: on constructed customers and a model whose trees credit a long silence with a return
(an interaction artefact), the sentence never says "silent for 7.8x their usual gap -> more likely to return"; the
direction of every named reason matches the feature's effect; numbers go through fmt; Chinese and English."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ecomops.i18n import use_locale
from ecomops.users import churn

REFERENCE = {"recency_days": 40.0, "recency_gap_ratio": 1.2, "frequency": 3.0, "orders_last_90": 1.0}


class ArtefactModel:
    """P(churn) rises with recency and falls with frequency (as it should) but falls with the silence ratio (the
    artefact a tree model can learn through an interaction)."""

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        churn_p = (0.3 + 0.003 * frame["recency_days"] - 0.04 * frame["recency_gap_ratio"]
                   - 0.05 * frame["frequency"]).clip(0.01, 0.99).to_numpy()
        return np.column_stack([1 - churn_p, churn_p])


def _customers() -> pd.DataFrame:
    rows = [
        # A: long silence, one order: both recency and frequency lower the chance; the ratio's effect is the artefact.
        {"customer_id": "A", "recency_days": 150.0, "recency_gap_ratio": 7.8, "frequency": 1.0, "orders_last_90": 0.0},
        # B: recent and frequent: more likely to return, by recency and frequency.
        {"customer_id": "B", "recency_days": 10.0, "recency_gap_ratio": 0.5, "frequency": 4.0, "orders_last_90": 3.0},
        # C: exactly typical: no reason.
        {"customer_id": "C", **REFERENCE},
    ]
    frame = pd.DataFrame(rows)
    for col in churn.FEATURES:
        if col not in frame:
            frame[col] = "x" if col in churn.CATEGORICAL_FEATURES else 0.0
    return frame


def _stored() -> list[list[dict]]:
    texts = churn.reasons(ArtefactModel(), _customers(), REFERENCE,
                          ["recency_gap_ratio", "recency_days", "frequency", "orders_last_90"])
    return [json.loads(t) for t in texts]


def test_direction_matches_the_features_effect():
    a, b, c = _stored()
    # A: the artefact (ratio 7.8 above typical credited with a return) is not named; the two real reasons are, down.
    assert [(r["feature"], r["effect"]) for r in a] == [("recency_days", "down"), ("frequency", "down")]
    assert a[0]["value"] == 150 and a[0]["typical"] == 40
    assert {(r["feature"], r["effect"]) for r in b} == {("recency_days", "up"), ("frequency", "up")}
    assert c == []
    for items in (a, b):
        for r in items:  # above typical x churn-raising -> down; below -> up (and the reverse for churn-lowering)
            above = r["value"] > r["typical"]
            raises_churn = churn.CHURN_DIRECTION[r["feature"]] > 0
            assert r["effect"] == ("down" if above == raises_churn else "up")


def test_one_sentence_in_english_and_chinese():
    a, b, c = (json.dumps(items) for items in _stored())
    with use_locale("en"):
        assert churn.reason_sentence(a) == ("Less likely to return: last order 150 days ago (typical 40 days), "
                                            "orders so far: 1 (typical 3).")
        assert churn.reason_sentence(b).startswith("More likely to return: ")
        assert "silent" not in churn.reason_sentence(a) and "more likely" not in churn.reason_sentence(a).lower()
        assert churn.reason_sentence(c) == "Close to a typical customer."
        mixed = json.dumps([{"feature": "recency_gap_ratio", "value": 7.8, "typical": 1.2, "effect": "down"},
                            {"feature": "frequency", "value": 6.0, "typical": 3.0, "effect": "up"}])
        assert churn.reason_sentence(mixed) == ("Less likely to return: silent for 7.8× their usual gap (typical "
                                                "1.2×); more likely: orders so far: 6 (typical 3).")
    with use_locale("zh_CN"):
        text = churn.reason_sentence(a)
        assert "150天" in text and "40天" in text and "Less likely" not in text


def _reasons_the_plain_way(model, frame, reference, candidates, top=3) -> list[str]:
    """The reasons written with json.dumps per row (the implementation before the JSON was written directly)."""
    candidates = [f for f in candidates if f in churn.CHURN_DIRECTION]
    base = 1.0 - churn.churn_probability(model, frame)
    effects = np.column_stack([base - (1.0 - churn.churn_probability(model, frame.assign(**{f: reference.get(f)})))
                               for f in candidates])
    expected = np.column_stack([-churn.CHURN_DIRECTION[f] * np.sign(frame[f].to_numpy(float)
                                                                     - (np.nan if reference.get(f) is None
                                                                        else reference[f])) for f in candidates])
    ranked = np.where((np.sign(effects) == expected) & (np.abs(effects) >= churn.MIN_REASON_EFFECT),
                      np.abs(effects), -1.0)
    order = np.argsort(-ranked, axis=1, kind="stable")[:, :top]
    plain = lambda v: None if v is None or pd.isna(v) else float(v)  # noqa: E731
    return [json.dumps([{"feature": candidates[j], "value": plain(frame[candidates[j]].iat[i]),
                         "typical": plain(reference.get(candidates[j])),
                         "effect": "up" if effects[i, j] > 0 else "down"} for j in order[i] if ranked[i, j] >= 0])
            for i in range(len(frame))]


def test_the_stored_json_is_exactly_what_json_dumps_writes():
    rng = np.random.default_rng(3)
    frame = pd.concat([_customers()] * 40, ignore_index=True)
    frame["recency_days"] = [round(v, int(d)) for v, d in zip(rng.uniform(0, 400, len(frame)),
                                                              rng.integers(0, 16, len(frame)))]
    frame["recency_gap_ratio"] = rng.lognormal(0, 2, len(frame))  # long reprs, tiny and huge values
    frame.loc[::7, "recency_gap_ratio"] = np.nan  # missing (no second order): never named
    frame["frequency"] = rng.integers(1, 30, len(frame)).astype(float)
    reference = dict(REFERENCE, orders_last_90=None)  # a feature without a typical value: never named
    candidates = ["recency_gap_ratio", "recency_days", "frequency", "orders_last_90"]
    got = churn.reasons(ArtefactModel(), frame, reference, candidates)
    assert got == _reasons_the_plain_way(ArtefactModel(), frame, reference, candidates)
    named = [r for t in got for r in json.loads(t)]
    assert len(named) > 60 and {r["feature"] for r in named} >= {"recency_days", "frequency"}
    assert any(len(repr(r["value"])) > 12 for r in named)  # full-precision floats, written as json.dumps does
    # With the rows' P(return) given, the same texts.
    base = 1.0 - churn.churn_probability(ArtefactModel(), frame)
    assert churn.reasons(ArtefactModel(), frame, reference, candidates, base=base) == got
