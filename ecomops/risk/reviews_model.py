"""Negative-review classifier for reviews that have text but no rating (Chinese and English).

Returned objects: :func:`get_model` returns a :class:`ReviewsModel` (one scikit-learn Pipeline per language);
:func:`train` returns its metrics (held-out accuracy per language).

How it is built (the decisions, documented here):
- **Training data** is read in place from ``../shared/data`` (``$ECOMOPS_SHARED_DATA`` overrides):
  ``cn_online_shopping_10_cats.csv.gz`` (label 0 = negative, 1 = positive) and
  ``en_womens_clothing_ecommerce_reviews.csv.gz`` (1-5 ratings).
- **English labels**: rating <= 2 negative, >= 4 positive, and rating **3 is left out** of training and evaluation:
  three-star reviews are mixed ("love the colour, runs small"), and METRICS.md counts only <= 2 as negative, so a
  3 must not teach "negative" — nor "positive". At scoring time rated reviews never reach the model (their rating
  decides), so the model only has to separate clearly negative from clearly positive text.
- **Features**: Chinese has no spaces, so character 1-3-grams (``char_wb``) with sublinear TF-IDF; English uses word
  1-2-grams. Each feeds a logistic regression (probabilities for the queue's ordering). English negatives are ~12%
  of the set, so that model uses balanced class weights: missing a negative review costs more than a false alarm.
- **Speed**: the Chinese set is subsampled (``ZH_TRAIN_ROWS``, stratified) so a full training takes ~10 s on 2 cores.
- **Held-out split**: 20%, stratified, fixed seed; accuracy (and the majority-class baseline) per language is stored
  with the model and shown on the Reputation page and by ``python -m ecomops reviews-model evaluate``.
- **Cache**: ``data/models/reviews_model.skops`` (git-ignored) plus a JSON manifest with its SHA-256, the
  fingerprint of the training files and ``MODEL_VERSION``. The file is read only through
  :mod:`ecomops.model_files`: every type in it must be on :data:`TRUSTED_TYPES` (exactly the scikit-learn, numpy and
  builtin types these pipelines hold), so a replaced file — even with a matching hash in a replaced manifest — is
  refused and the model retrained, never executed. A stale fingerprint or version also triggers retraining. Loaded
  lazily on first use, once per process. (Why the vocabularies are stored apart: skops writes a dict entry by entry,
  and a 200,000-term ``vocabulary_`` took over five minutes to save (measured); as one UTF-8 byte array plus term
  lengths it takes under a second. The vectorisers' ``stop_words_`` — every pruned term, kept only for introspection
  — is dropped before saving. Older caches were pickles: a ``reviews_model.pkl`` is never read, and is deleted when
  the model is saved.)
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from ecomops import config, model_files
from ecomops.i18n import N_, _, fmt

MODEL_VERSION = 2  # 2: skops with the vocabularies stored as arrays (1 was a pickle)
ZH_FILE = "cn_online_shopping_10_cats.csv.gz"
# The review languages as the pages name them (message ids).
LANGUAGE_NAMES = {"zh": N_("Chinese"), "en": N_("English")}
EN_FILE = "en_womens_clothing_ecommerce_reviews.csv.gz"
ZH_TRAIN_ROWS = 24000  # stratified subsample of the 62,774 Chinese reviews: ~93% accuracy in a few seconds
TEST_SHARE = 0.2
SEED = 7
MODEL_NAME = "reviews_model"
NEGATIVE_THRESHOLD = 0.5  # P(negative) at or above this -> classified negative
# Every type the saved file may hold (model_files.types_in of a trained model): the pipelines' classes, the numpy
# values inside them and the containers around them. Nothing else is ever constructed from the file.
TRUSTED_TYPES = frozenset({
    "builtins.dict", "builtins.list", "builtins.str", "builtins.tuple",
    "numpy.float64", "numpy.ndarray",
    "sklearn.pipeline.Pipeline",
    "sklearn.feature_extraction.text.TfidfVectorizer", "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
})

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_lock = threading.RLock()  # re-entrant: get_model trains under it, train() stores under it
_loaded: dict[str, "ReviewsModel"] = {}
_refused: list[str] = []  # why cached files were refused (newest last), for the command line and tests


class ReviewsModelUnavailable(RuntimeError):
    """Raised when there is neither a cached model nor the training data to build one."""


def shared_data_dir() -> Path:
    """Return the folder of the shared real data sets ($ECOMOPS_SHARED_DATA, else ../shared/data)."""
    env = os.environ.get("ECOMOPS_SHARED_DATA")
    return Path(env) if env else config.PROJECT_ROOT.parent / "shared" / "data"


def models_dir() -> Path:
    """Return the model cache folder ($ECOMOPS_MODELS_DIR, else data/models, git-ignored)."""
    env = os.environ.get("ECOMOPS_MODELS_DIR")
    return Path(env) if env else config.PROJECT_ROOT / "data" / "models"


def detect_language(text: str | None) -> str:
    """Return 'zh' when the text holds any CJK character, else 'en'."""
    return "zh" if text and _CJK.search(text) else "en"


def _sha256(path: Path) -> str:
    return model_files.sha256(path)


def _fingerprint(data_dir: Path) -> str:
    """Return a short hash of the two training files and the training recipe version."""
    parts = [f"v{MODEL_VERSION}", str(ZH_TRAIN_ROWS)] + [_sha256(data_dir / name) for name in (ZH_FILE, EN_FILE)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def load_training_sets(data_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Return {'zh': frame, 'en': frame}, each with columns text and negative (bool), from the shared files."""
    data_dir = data_dir or shared_data_dir()
    missing = [name for name in (ZH_FILE, EN_FILE) if not (data_dir / name).exists()]
    if missing:
        raise ReviewsModelUnavailable(_(
            "Review training data not found in {folder} (missing {files}). Put the shared data sets next to the "
            "project ({path}) or set {variable}; text-only reviews stay unclassified.",
            folder=str(data_dir), files=", ".join(missing), path="../shared/data", variable="ECOMOPS_SHARED_DATA"))
    zh = pd.read_csv(data_dir / ZH_FILE, usecols=["label", "review"]).dropna(subset=["review"])
    zh = pd.DataFrame({"text": zh["review"].astype(str).str.strip("\ufeff "), "negative": zh["label"] == 0})
    en = pd.read_csv(data_dir / EN_FILE, usecols=["Title", "Review Text", "Rating"]).dropna(subset=["Review Text"])
    en = en[en["Rating"] != 3]  # three stars are mixed: out of training and evaluation (see module docstring)
    text = (en["Title"].fillna("").astype(str) + ". " + en["Review Text"].astype(str)).str.lstrip(". ")
    en = pd.DataFrame({"text": text, "negative": en["Rating"] <= 2})
    return {"zh": zh.reset_index(drop=True), "en": en.reset_index(drop=True)}


def split(frame: pd.DataFrame, language: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (train, held-out test) for one language: stratified, fixed seed, Chinese subsampled first."""
    from sklearn.model_selection import train_test_split

    if language == "zh" and len(frame) > ZH_TRAIN_ROWS / (1 - TEST_SHARE):
        frame, _ = train_test_split(frame, train_size=int(ZH_TRAIN_ROWS / (1 - TEST_SHARE)), random_state=SEED,
                                    stratify=frame["negative"])
    train_part, test_part = train_test_split(frame, test_size=TEST_SHARE, random_state=SEED, stratify=frame["negative"])
    return train_part, test_part


def build_pipeline(language: str):
    """Return the untrained scikit-learn Pipeline for one language."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    if language == "zh":
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True,
                                     max_features=200_000)
        model = LogisticRegression(C=4.0, max_iter=1000)
    else:
        vectorizer = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                     lowercase=True, max_features=200_000)
        model = LogisticRegression(C=4.0, max_iter=1000, class_weight="balanced")
    return Pipeline([("tfidf", vectorizer), ("clf", model)])


@dataclass
class ReviewsModel:
    """One trained pipeline per language (label True = negative) and the held-out metrics."""

    pipelines: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)

    def negative_probability(self, texts: Sequence[str | None], languages: Sequence[str | None] | None = None) -> np.ndarray:
        """Return P(negative) per text (NaN for empty text); language detected when not given."""
        texts = ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in texts]
        langs = [(lang if lang in self.pipelines else detect_language(t))
                 for t, lang in zip(texts, languages if languages is not None else [None] * len(texts))]
        out = np.full(len(texts), np.nan)
        for language, pipeline in self.pipelines.items():
            idx = [i for i, (t, lang) in enumerate(zip(texts, langs)) if lang == language and t.strip()]
            if idx:
                proba = pipeline.predict_proba([texts[i] for i in idx])
                negative_col = list(pipeline.classes_).index(True)
                out[idx] = proba[:, negative_col]
        return out

    def predict_negative(self, texts: Sequence[str | None], languages: Sequence[str | None] | None = None) -> list[bool | None]:
        """Return True/False per text (None for empty text)."""
        proba = self.negative_probability(texts, languages)
        return [None if np.isnan(p) else bool(p >= NEGATIVE_THRESHOLD) for p in proba]


def train(data_dir: Path | None = None, out_dir: Path | None = None,
          progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Train both languages, evaluate on the held-out split, save the model and manifest; return the metrics."""
    data_dir = data_dir or shared_data_dir()
    out_dir = out_dir or models_dir()
    say = progress or (lambda message: None)
    say(_("Reading the review data sets…"))
    sets = load_training_sets(data_dir)
    pipelines: dict[str, Any] = {}
    metrics: dict[str, Any] = {"languages": {}}
    for language, frame in sets.items():
        train_part, test_part = split(frame, language)
        say(_("Training the {language} model on {n} reviews…", language=_(LANGUAGE_NAMES[language]),
              n=fmt.count(len(train_part))))
        pipeline = build_pipeline(language).fit(train_part["text"], train_part["negative"])
        predicted = pipeline.predict(test_part["text"])
        truth = test_part["negative"].to_numpy()
        negatives = truth.sum()
        metrics["languages"][language] = {
            "accuracy": float((predicted == truth).mean()),
            "majority_baseline": float(max(truth.mean(), 1 - truth.mean())),
            "negative_recall": float((predicted & truth).sum() / negatives) if negatives else None,
            "negative_precision": float((predicted & truth).sum() / predicted.sum()) if predicted.sum() else None,
            "train_rows": int(len(train_part)),
            "test_rows": int(len(test_part)),
        }
        pipelines[language] = pipeline
    metrics.update(model_version=MODEL_VERSION, fingerprint=_fingerprint(data_dir),
                   trained_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    _save(ReviewsModel(pipelines, metrics), out_dir)
    with _lock:
        _loaded[str(out_dir.resolve())] = ReviewsModel(pipelines, metrics)
    say(_("Done."))
    return metrics


def _paths(out_dir: Path) -> tuple[Path, Path]:
    return out_dir / f"{MODEL_NAME}.skops", out_dir / f"{MODEL_NAME}.json"


def _vocabulary_arrays(vocabulary: dict[str, int]) -> dict[str, np.ndarray]:
    """Return a vectoriser's vocabulary as arrays skops stores whole: the terms in column order as UTF-8 bytes, and
    each term's length in characters."""
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    return {"text": np.frombuffer("".join(terms).encode("utf-8"), dtype=np.uint8),
            "lengths": np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))}


def _vocabulary_dict(arrays: dict[str, np.ndarray]) -> dict[str, int]:
    """Return the vocabulary dict back from :func:`_vocabulary_arrays`."""
    text = arrays["text"].tobytes().decode("utf-8")
    ends = np.cumsum(arrays["lengths"]).tolist()
    starts = [0, *ends[:-1]]
    return {text[start:end]: column for column, (start, end) in enumerate(zip(starts, ends))}


def _save(model: ReviewsModel, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path, manifest_path = _paths(out_dir)
    vocabularies = {}
    for language, pipeline in model.pipelines.items():
        vectorizer = pipeline.named_steps["tfidf"]
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
        vocabularies[language] = _vocabulary_arrays(vectorizer.vocabulary_)
    # The dict is written without the vocabularies (restored right after, the in-memory model stays whole).
    held = {language: pipeline.named_steps["tfidf"].__dict__.pop("vocabulary_")
            for language, pipeline in model.pipelines.items()}
    try:
        model_files.dump({"pipelines": model.pipelines, "vocabularies": vocabularies}, model_path)
    finally:
        for language, vocabulary in held.items():
            model.pipelines[language].named_steps["tfidf"].vocabulary_ = vocabulary
    manifest = {"sha256": _sha256(model_path), "metrics": model.metrics}
    tmp_manifest = manifest_path.with_suffix(f".{os.getpid()}.tmp")
    tmp_manifest.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    tmp_manifest.replace(manifest_path)
    (out_dir / f"{MODEL_NAME}.pkl").unlink(missing_ok=True)  # a pickle of an older version: never read, now gone


@contextmanager
def _process_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the model folder, so two processes (app, command, test workers) never train or
    write the cache at the same time; the second one waits and then loads what the first saved."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / f"{MODEL_NAME}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load_cached(out_dir: Path, data_dir: Path) -> ReviewsModel | None:
    """Return the cached model when its hash checks out and it is current (None when it must be rebuilt)."""
    model_path, manifest_path = _paths(out_dir)
    if not (model_path.exists() and manifest_path.exists()):
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("sha256") != _sha256(model_path):
        return None  # corrupted or replaced: never load it
    metrics = manifest.get("metrics", {})
    if metrics.get("model_version") != MODEL_VERSION:
        return None
    data_present = all((data_dir / name).exists() for name in (ZH_FILE, EN_FILE))
    if data_present and metrics.get("fingerprint") != _fingerprint(data_dir):
        return None  # the training data changed: retrain
    # Even with a matching hash (both files can be replaced), only the listed types are ever constructed.
    try:
        saved = model_files.load(model_path, TRUSTED_TYPES)
        pipelines = saved["pipelines"]
        for language, arrays in saved["vocabularies"].items():
            pipelines[language].named_steps["tfidf"].vocabulary_ = _vocabulary_dict(arrays)
    except (model_files.UntrustedModelFile, KeyError, TypeError, AttributeError, ValueError) as exc:
        _refused.append(f"{model_path}: {exc}")
        return None  # refused: the caller retrains
    return ReviewsModel(pipelines, metrics)


def get_model(data_dir: Path | None = None, out_dir: Path | None = None,
              progress: Callable[[str], None] | None = None) -> ReviewsModel:
    """Return the model: from this process, else the verified cache, else trained now (raises when impossible)."""
    data_dir = data_dir or shared_data_dir()
    out_dir = out_dir or models_dir()
    key = str(out_dir.resolve())
    with _lock:
        if key in _loaded:
            return _loaded[key]
        with _process_lock(out_dir):
            model = _load_cached(out_dir, data_dir)
            if model is not None:
                _loaded[key] = model
                return model
            train(data_dir, out_dir, progress)  # raises ReviewsModelUnavailable without the data
        return _loaded[key]


def cached_metrics(out_dir: Path | None = None) -> dict[str, Any] | None:
    """Return the held-out metrics of the cached model without loading it (None when there is none)."""
    _, manifest_path = _paths(out_dir or models_dir())
    try:
        return json.loads(manifest_path.read_text(encoding="utf-8")).get("metrics")
    except (OSError, ValueError):
        return None


def cache_key(out_dir: Path | None = None) -> str:
    """Return the SHA-256 of the cached model file as its manifest records it ("" when there is no cached model).

    Cheap (reads the small manifest, not the model): stored labels carry it, so a new model invalidates them.
    """
    _, manifest_path = _paths(out_dir or models_dir())
    try:
        return str(json.loads(manifest_path.read_text(encoding="utf-8")).get("sha256") or "")
    except (OSError, ValueError):
        return ""


def classify(texts: Iterable[str | None], languages: Iterable[str | None] | None = None) -> list[bool | None]:
    """Return negative True/False per text with the shared model (None for empty text)."""
    texts = list(texts)
    return get_model().predict_negative(texts, list(languages) if languages is not None else None)
