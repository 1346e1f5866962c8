"""Model files never run code: the review classifier and the churn model are skops files read only when every type in
them is on the model's explicit trust list; a tampered or foreign file (a pickle, a skops file with an exec payload or
a type not on the list, a hash mismatch, a path outside the models folder) is refused and the model retrained.

Each payload, if it ever ran, would create a marker file; every test asserts the marker is absent.
"""
from __future__ import annotations

import json
import pickle
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ecomops import db, model_files
from ecomops.risk import reviews_model
from ecomops.users import churn
from ecomops.users import targeting

FAST = {"max_iter": 40, "importance_rows": 500}


class _Payload:
    """Unpickling this creates the marker file (what a hostile pickle would do, harmlessly)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "payload ran"))


def _rewrite_schema(path: Path, edit) -> None:
    """Rewrite a skops file with its schema changed by edit(schema) (what an attacker with the file would do)."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(entries["schema.json"])
    edit(schema)
    entries["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def _exec_node(code: str) -> dict:
    """A skops node for functools.partial(builtins.exec, code)."""
    return {"__class__": "partial", "__module__": "functools", "__loader__": "PartialNode", "content": {
        "func": {"__class__": "exec", "__module__": "builtins", "__loader__": "FunctionNode"},
        "args": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode", "content": [
            {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": json.dumps(code),
             "is_json": True}]},
        "kwds": {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {}},
        "namespace": {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {}}}}


# ------------------------------------------------------------------------------------------ review classifier

@pytest.fixture(scope="module")
def review_data(tmp_path_factory) -> Path:
    """Return a folder with tiny versions of the two review data sets (the real format; trains in about a second)."""
    folder = tmp_path_factory.mktemp("review_data")
    zh_good = ["非常好，物流快，包装好", "质量很好，推荐购买", "很满意，下次还来", "东西不错，价格实惠"]
    zh_bad = ["质量太差了，坏了", "退货，很失望", "不好用，差评", "物流太慢，东西破损"]
    rows = [(1, f"{zh_good[i % 4]}{i}") for i in range(40)] + [(0, f"{zh_bad[i % 4]}{i}") for i in range(40)]
    pd.DataFrame(rows, columns=["label", "review"]).to_csv(folder / reviews_model.ZH_FILE, index=False,
                                                           compression="gzip")
    en_good = ["Love this dress", "Great fit and colour", "Beautiful and comfortable", "Perfect, buying another"]
    en_bad = ["Terrible quality, ripped", "Returned it, awful fit", "Cheap fabric, disappointed", "Worst purchase"]
    rows = [("T", en_good[i % 4], 5) for i in range(40)] + [("T", en_bad[i % 4], 1) for i in range(40)]
    pd.DataFrame(rows, columns=["Title", "Review Text", "Rating"]).to_csv(folder / reviews_model.EN_FILE, index=False,
                                                                        compression="gzip")
    return folder


@pytest.fixture
def review_models(review_data, tmp_path) -> Path:
    """Return a models folder holding a freshly trained review classifier."""
    out = tmp_path / "models"
    reviews_model.train(data_dir=review_data, out_dir=out)
    reviews_model._loaded.clear()
    reviews_model._refused.clear()
    return out


def _manifest(out: Path) -> dict:
    return json.loads((out / "reviews_model.json").read_text())


def _reload(out: Path, data: Path) -> reviews_model.ReviewsModel:
    reviews_model._loaded.clear()
    return reviews_model.get_model(data_dir=data, out_dir=out)


def _assert_retrained(out: Path, data: Path, refused_sha: str) -> None:
    model = _reload(out, data)  # refuses the file and trains a new model
    assert model.predict_negative(["Terrible quality, ripped", "非常好，物流快"]) == [True, False]
    model_path = out / "reviews_model.skops"
    assert _manifest(out)["sha256"] == model_files.sha256(model_path) != refused_sha
    model_files.check(model_path, reviews_model.TRUSTED_TYPES)
    reviews_model._loaded.clear()
    assert reviews_model.get_model(data_dir=data, out_dir=out).metrics == _manifest(out)["metrics"]  # from disk


def test_review_classifier_is_saved_as_skops_with_only_listed_types(review_models, review_data):
    model_path = review_models / "reviews_model.skops"
    assert zipfile.is_zipfile(model_path) and not (review_models / "reviews_model.pkl").exists()
    types, _ = model_files.types_in(model_path)
    assert types <= reviews_model.TRUSTED_TYPES
    from skops.io import get_untrusted_types
    assert set(get_untrusted_types(file=model_path)) <= reviews_model.TRUSTED_TYPES
    assert not any(t.endswith(".*") for t in reviews_model.TRUSTED_TYPES | churn.TRUSTED_TYPES)
    model = _reload(review_models, review_data)  # from disk: the vocabularies come back from their arrays
    assert model.predict_negative(["Terrible quality, ripped", "Love this dress"]) == [True, False]
    assert reviews_model._refused == []


def test_a_pickle_with_a_matching_hash_is_refused_and_retrained(review_models, review_data, tmp_path):
    marker = tmp_path / "pickle-ran"
    model_path = review_models / "reviews_model.skops"
    model_path.write_bytes(pickle.dumps(_Payload(marker)))
    manifest = _manifest(review_models)
    manifest["sha256"] = refused = model_files.sha256(model_path)  # the attacker replaced the manifest too
    (review_models / "reviews_model.json").write_text(json.dumps(manifest))
    _assert_retrained(review_models, review_data, refused)
    assert not marker.exists()
    assert "not a skops model file" in reviews_model._refused[-1]


def test_an_old_pickle_cache_is_never_read_and_is_removed(review_models, review_data, tmp_path):
    marker = tmp_path / "pickle-ran"
    (review_models / "reviews_model.skops").unlink()
    legacy = review_models / "reviews_model.pkl"
    legacy.write_bytes(pickle.dumps(_Payload(marker)))
    manifest = _manifest(review_models)
    manifest.update(sha256=model_files.sha256(legacy), metrics={**manifest["metrics"], "model_version": 1})
    (review_models / "reviews_model.json").write_text(json.dumps(manifest))
    _assert_retrained(review_models, review_data, manifest["sha256"])
    assert not marker.exists() and not legacy.exists()


@pytest.mark.parametrize("injected,named", [
    (_exec_node("open('MARKER', 'w').write('ran')"), "builtins.exec"),
    ({"__class__": "system", "__module__": "os", "__loader__": "FunctionNode"}, "os.system"),
    # skops itself trusts every scikit-learn estimator by default; ours lists only the pipelines' own types.
    ({"__class__": "RandomForestClassifier", "__module__": "sklearn.ensemble._forest", "__loader__": "ObjectNode",
      "content": {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {}}},
     "sklearn.ensemble._forest.RandomForestClassifier"),
    ({"__class__": "Pipeline", "__module__": "sklearn.pipeline", "__loader__": "MethodNode",
      "content": {"func": "__init__", "obj": {}}}, "MethodNode"),
])
def test_a_skops_file_with_a_foreign_type_is_refused_and_retrained(review_models, review_data, tmp_path, injected,
                                                                   named):
    model_path = review_models / "reviews_model.skops"
    marker = tmp_path / "exec-ran"
    payload = json.loads(json.dumps(injected).replace("MARKER", str(marker)))
    _rewrite_schema(model_path, lambda schema: schema["content"].__setitem__("extra", payload))
    manifest = _manifest(review_models)
    manifest["sha256"] = refused = model_files.sha256(model_path)
    (review_models / "reviews_model.json").write_text(json.dumps(manifest))
    with pytest.raises(model_files.UntrustedModelFile, match=named):
        model_files.load(model_path, reviews_model.TRUSTED_TYPES)
    _assert_retrained(review_models, review_data, refused)
    assert named in reviews_model._refused[-1] and not marker.exists()


def test_a_hash_mismatch_is_retrained(review_models, review_data):
    model_path = review_models / "reviews_model.skops"
    refused = model_files.sha256(model_path)
    with open(model_path, "ab") as handle:
        handle.write(b"tampered")
    _assert_retrained(review_models, review_data, refused)


# ------------------------------------------------------------------------------------------------ churn model

@pytest.fixture(scope="module")
def churn_trained(demo_db_path, tmp_path_factory) -> Path:
    """Return a folder with a demo copy (demo.duckdb) and a small churn model trained into its models/ folder."""
    folder = tmp_path_factory.mktemp("churn_trained")
    shutil.copyfile(demo_db_path, folder / "demo.duckdb")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ECOMOPS_MODELS", str(folder / "models"))
        con = db.connect(folder / "demo.duckdb")
        churn.train(con, **FAST)
        db.close(folder / "demo.duckdb")
    return folder


@pytest.fixture
def churn_db(churn_trained, tmp_path, monkeypatch):
    """Return a connection to a private copy of the trained demo (its registry points into tmp_path/models)."""
    shutil.copytree(churn_trained / "models", tmp_path / "models")
    shutil.copyfile(churn_trained / "demo.duckdb", tmp_path / "demo.duckdb")
    monkeypatch.setenv("ECOMOPS_MODELS", str(tmp_path / "models"))
    con = db.connect(tmp_path / "demo.duckdb")
    with db.transaction(con, bump_version=False) as cur:  # the copied registry still names the trained folder
        cur.execute("UPDATE model_registry SET path = replace(path, $old, $new)",
                    {"old": str((churn_trained / "models").resolve()), "new": str((tmp_path / "models").resolve())})
    targeting._models.clear()
    yield con
    db.close(tmp_path / "demo.duckdb")


def _set_file(con, model_id: int, path: Path) -> None:
    """Point a registry entry at a file with its true hash (an attacker who can write both)."""
    with db.transaction(con, bump_version=False) as cur:
        cur.execute("UPDATE model_registry SET path = $path, sha256 = $sha WHERE model_id = $id",
                    {"path": str(path), "sha": model_files.sha256(path), "id": model_id})


def _assert_replaced(con, refused_id: int, why: str) -> None:
    entry, note = churn.latest_usable_model(con, **FAST)
    assert entry["model_id"] == refused_id + 1 and f"model #{refused_id} was refused" in note.lower()
    assert why in note
    assert churn.model_file_problem(entry) is None
    scored = targeting.score_dormant(con)  # the replacement loads and scores
    assert len(scored) > 50 and scored["p_return"].between(0, 1).all()


def test_churn_model_holds_only_listed_types(churn_db):
    entry = churn.latest_model(churn_db)
    path = Path(entry["path"])
    types, kinds = model_files.types_in(path)
    assert types <= churn.TRUSTED_TYPES and kinds <= model_files.ALLOWED_NODE_KINDS
    from skops.io import get_untrusted_types
    assert set(get_untrusted_types(file=path)) <= churn.TRUSTED_TYPES
    assert not {t for t in churn.TRUSTED_TYPES if t.startswith("builtins.")} - {
        "builtins.dict", "builtins.list", "builtins.slice", "builtins.str", "builtins.tuple"}


def test_churn_file_with_an_exec_payload_is_refused_never_built_and_retrained(churn_db, tmp_path):
    entry = churn.latest_model(churn_db)
    path = Path(entry["path"])
    marker = tmp_path / "exec-ran"

    def swap_partial(schema):
        """Replace the calibrated model's functools.partial(check_array, ...) by partial(exec, payload)."""
        stack = [schema]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if node.get("__loader__") == "PartialNode":
                    node.update(_exec_node(f"open({str(marker)!r}, 'w').write('ran')"))
                    return
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        raise AssertionError("no partial in the churn model")

    _rewrite_schema(path, swap_partial)
    _set_file(churn_db, entry["model_id"], path)
    refused = churn._entry(churn_db, entry["model_id"])
    assert "builtins.exec" in churn.model_file_problem(refused)
    with pytest.raises(churn.ModelIntegrityError, match="builtins.exec"):
        churn.load_model(churn_db, entry["model_id"])
    _assert_replaced(churn_db, entry["model_id"], "builtins.exec")
    assert not marker.exists()


def test_churn_registry_pointing_at_a_pickle_is_refused(churn_db, tmp_path):
    entry = churn.latest_model(churn_db)
    marker = tmp_path / "pickle-ran"
    path = Path(entry["path"])
    path.write_bytes(pickle.dumps(_Payload(marker)))
    _set_file(churn_db, entry["model_id"], path)
    assert "not a skops model file" in churn.model_file_problem(churn._entry(churn_db, entry["model_id"]))
    with pytest.raises(churn.ModelIntegrityError, match="not a skops model file"):
        churn.load_model(churn_db, entry["model_id"])
    assert not marker.exists()  # (the replacement is trained as in the exec-payload test)


@pytest.mark.parametrize("where", ["outside", "symlink", "dotdot", "not-skops"])
def test_churn_registry_path_outside_the_models_folder_is_refused(churn_db, tmp_path, where):
    entry = churn.latest_model(churn_db)
    inside = Path(entry["path"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "churn.skops"
    shutil.copyfile(inside, target)  # a valid model, with its true hash: only where it lives is wrong
    if where == "symlink":
        link = inside.parent / "link.skops"
        link.symlink_to(target)
        target = link
    elif where == "dotdot":
        target = inside.parent / ".." / "elsewhere" / "churn.skops"
    elif where == "not-skops":
        target = inside.parent / "churn.pkl"
        shutil.copyfile(inside, target)
    _set_file(churn_db, entry["model_id"], target)
    assert "not a .skops file inside the models folder" in churn.model_file_problem(churn._entry(churn_db,
                                                                                                entry["model_id"]))
    with pytest.raises(churn.ModelIntegrityError, match="inside the models folder"):
        churn.load_model(churn_db, entry["model_id"])
    if where == "outside":  # one full replacement is enough: the others take the same path
        _assert_replaced(churn_db, entry["model_id"], "inside the models folder")
