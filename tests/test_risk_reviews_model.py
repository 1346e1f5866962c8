"""The negative-review classifier on the shared review sets: held-out accuracy per language, cache and hash check.

Trains once for the module (~10-40 s on 2 cores) into a temporary folder.
"""
import json

import numpy as np
import pytest

from ecomops import model_files
from ecomops.risk import reviews_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(shared_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("models")
    metrics = reviews_model.train(data_dir=shared_data, out_dir=out)
    return out, metrics


def test_held_out_accuracy(trained):
    _, metrics = trained
    zh, en = metrics["languages"]["zh"], metrics["languages"]["en"]
    print(f"held-out accuracy: zh {zh['accuracy']:.4f} ({zh['test_rows']} reviews), "
          f"en {en['accuracy']:.4f} ({en['test_rows']} reviews, majority baseline {en['majority_baseline']:.4f})")
    assert zh["accuracy"] > 0.85
    # English is 88% positive, so beat the majority baseline clearly and still find most negatives.
    assert en["accuracy"] > 0.90 and en["accuracy"] > en["majority_baseline"] + 0.03
    assert en["negative_recall"] > 0.70


def test_cached_model_reproduces_the_reported_accuracy(trained, shared_data):
    out, metrics = trained
    reviews_model._loaded.clear()  # force a load from disk (with the hash check)
    model = reviews_model.get_model(data_dir=shared_data, out_dir=out)
    sets = reviews_model.load_training_sets(shared_data)
    for language in ("zh", "en"):
        train_part, test_part = reviews_model.split(sets[language], language)
        assert not set(train_part.index) & set(test_part.index)  # no leakage
        predicted = np.array(model.predict_negative(test_part["text"].tolist(), [language] * len(test_part)))
        accuracy = float((predicted == test_part["negative"].to_numpy()).mean())
        assert accuracy == pytest.approx(metrics["languages"][language]["accuracy"])


def test_obvious_reviews_and_language_detection(trained, shared_data):
    out, _ = trained
    model = reviews_model.get_model(data_dir=shared_data, out_dir=out)
    texts = ["质量太差了，用了两天就坏了，退货！", "非常好，物流快，包装好，推荐购买", "Terrible quality, it ripped after "
             "one wash. Returning it.", "Love this dress, fits perfectly and the colour is beautiful.", "", None]
    assert model.predict_negative(texts) == [True, False, True, False, None, None]
    assert reviews_model.detect_language("Nice 好") == "zh" and reviews_model.detect_language("Nice") == "en"


def test_tampered_model_file_is_not_loaded(trained, shared_data, tmp_path):
    out, _ = trained
    copy = tmp_path / "models"
    copy.mkdir()
    for name in ("reviews_model.skops", "reviews_model.json"):
        (copy / name).write_bytes((out / name).read_bytes())
    # The real model holds only the listed types (the trust list was measured on it).
    assert model_files.types_in(copy / "reviews_model.skops")[0] <= reviews_model.TRUSTED_TYPES
    assert reviews_model._load_cached(copy, shared_data) is not None
    with open(copy / "reviews_model.skops", "ab") as handle:
        handle.write(b"tampered")
    assert reviews_model._load_cached(copy, shared_data) is None
    manifest = json.loads((copy / "reviews_model.json").read_text())
    assert reviews_model.cached_metrics(copy) == manifest["metrics"]


def test_reputation_page_with_the_model(trained, shared_data, app_test, demo_db_path, monkeypatch):
    """The Reputation page classifies the demo's text-only reviews with the model and shows its accuracy."""
    import streamlit as st

    from ecomops import db, metrics
    from ecomops.risk import reputation
    from ecomops.filters import default_filters

    out, trained_metrics = trained
    monkeypatch.setenv("ECOMOPS_MODELS_DIR", str(out))
    monkeypatch.setenv("ECOMOPS_SHARED_DATA", str(shared_data))
    st.cache_data.clear()
    at = app_test("pages/risk_reputation.py")
    assert not at.exception
    assert not at.warning
    con = db.connect(demo_db_path)
    span = metrics.data_range(con)
    s = reputation.reputation_summary(con, default_filters(span.start, span.end))
    assert s["unclassified"] == 0 and s["classified_by_model"] > 0
    shown = {m.label: m.value for m in at.metric}
    assert shown["Negative reviews"] == f"{s['negative']:,} / {s['reviews']:,}"
    assert shown["Negative-review rate"] == f"{s['negative_rate']:.2%}"
    zh_accuracy = trained_metrics["languages"]["zh"]["accuracy"]
    assert any(f"Chinese {zh_accuracy:.1%}" in c.value for c in at.caption)  # the language by name
    st.cache_data.clear()
