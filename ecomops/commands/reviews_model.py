"""``python -m ecomops reviews-model train|evaluate [--json]``: build the negative-review classifier and print its
held-out accuracy per language (Chinese and English review sets in ../shared/data)."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from ecomops.risk import reviews_model
from ecomops.commands import CommandError, print_json
from ecomops.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``reviews-model`` subcommand."""
    parser = sub.add_parser("reviews-model", help=_("train or evaluate the negative-review classifier"))
    parser.add_argument("action", choices=("train", "evaluate"),
                        help="train: (re)build the model into data/models; evaluate: score the cached model "
                             "(training it first if there is none) on the held-out split")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def _progress(message: str) -> None:
    print(message, file=sys.stderr)


def evaluate() -> dict:
    """Return the held-out accuracy of the cached model, recomputed on the held-out split now."""
    model = reviews_model.get_model(progress=_progress)
    sets = reviews_model.load_training_sets()
    result = {"languages": {}, "trained_at": model.metrics.get("trained_at")}
    for language, frame in sets.items():
        _, test_part = reviews_model.split(frame, language)
        predicted = np.array(model.predict_negative(test_part["text"].tolist(), [language] * len(test_part)))
        truth = test_part["negative"].to_numpy()
        result["languages"][language] = {
            "accuracy": float((predicted == truth).mean()),
            "majority_baseline": float(max(truth.mean(), 1 - truth.mean())),
            "test_rows": int(len(test_part)),
        }
    return result


def run(args: argparse.Namespace) -> int:
    """Train or evaluate; print the accuracies; return the exit code."""
    try:
        metrics = reviews_model.train(progress=_progress) if args.action == "train" else evaluate()
    except reviews_model.ReviewsModelUnavailable as exc:
        raise CommandError(str(exc)) from exc
    if args.json:
        print_json(metrics)
        return 0
    print(f"Negative-review classifier, held-out accuracy ({reviews_model.models_dir()}):")
    for language, m in metrics["languages"].items():
        print(f"  {language}: {m['accuracy']:.2%} on {m['test_rows']:,} reviews "
              f"(majority baseline {m['majority_baseline']:.2%})")
    return 0
