"""Model files: written with skops, read back only when every type in them is on the model's explicit trust list.

Why not pickle: unpickling runs whatever the file says, so a replaced file (and a replaced hash beside it) runs code.
Why a list of our own on top of skops: skops trusts by default every scikit-learn estimator and a set of numpy/scipy
types, and a file can hold any mix of them; a model of ours holds a known, small set. So before skops constructs
anything, :func:`types_in` reads the file's schema (plain JSON, nothing imported or built) and lists every type,
function and node kind in it, and :func:`load` refuses the file unless all of them are on the caller's list — which
names exact types, never a wildcard such as ``builtins.*`` (``builtins.exec`` is a "builtin" too). skops' own audit
then runs as well, with the same list.
"""
from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any, Iterator

# How skops writes a value: exactly the node kinds our models use (the churn and review models, measured).
# MethodNode (a bound method of any object), ReduceNode and OperatorFuncNode are left out: no model of ours holds one.
ALLOWED_NODE_KINDS = frozenset({"DictNode", "ListNode", "TupleNode", "JsonNode", "ObjectNode", "NdArrayNode",
                                "TypeNode", "DTypeNode", "FunctionNode", "PartialNode", "SliceNode", "LossNode",
                                "RandomGeneratorNode"})
MAX_SCHEMA_BYTES = 64 * 2**20  # the schema of our largest model is a few MB; a bigger one is not ours


class UntrustedModelFile(RuntimeError):
    """A model file that is not a skops file, or holds a type or node kind not on the model's trust list."""


def sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _schema(path: Path) -> dict:
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("schema.json")
            if info.file_size > MAX_SCHEMA_BYTES:
                raise UntrustedModelFile(f"{path.name}: its schema is {info.file_size:,} bytes, far beyond any model "
                                         f"of ours.")
            return json.loads(archive.read(info))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UntrustedModelFile(f"{path.name} is not a skops model file ({type(exc).__name__}).") from exc


def _nodes(node: Any) -> Iterator[dict]:
    if isinstance(node, dict):
        if "__module__" in node or "__loader__" in node:
            yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def types_in(path: Path) -> tuple[set[str], set[str]]:
    """Return (every "module.Name" type or function, every node kind) a skops file holds, without building any."""
    types, kinds = set(), set()
    for node in _nodes(_schema(path)):
        types.add(f"{node.get('__module__')}.{node.get('__class__')}")
        kinds.add(str(node.get("__loader__")))
    return types, kinds


def check(path: Path, trusted: frozenset[str]) -> None:
    """Raise UntrustedModelFile unless every type and node kind in the file is on the lists."""
    types, kinds = types_in(path)
    foreign = sorted(types - trusted)
    odd = sorted(kinds - ALLOWED_NODE_KINDS)
    if foreign or odd:
        raise UntrustedModelFile(f"{path.name} holds {', '.join(foreign + odd)}, not on this model's trust list; "
                                 f"it was not loaded.")


def load(path: Path, trusted: frozenset[str]) -> Any:
    """Return the object in a skops file after :func:`check`; skops audits it again with the same list."""
    from skops.io import get_untrusted_types
    from skops.io import load as skops_load
    from skops.io.exceptions import UntrustedTypesFoundException

    check(path, trusted)
    unknown = set(get_untrusted_types(file=path)) - trusted
    if unknown:  # cannot happen after check(); kept so skops' view and ours never silently differ
        raise UntrustedModelFile(f"{path.name} holds {', '.join(sorted(unknown))}; it was not loaded.")
    try:
        return skops_load(path, trusted=sorted(trusted))
    except UntrustedTypesFoundException as exc:
        raise UntrustedModelFile(f"{path.name}: {exc}") from exc


def dump(obj: Any, path: Path) -> None:
    """Write an object as a skops file, atomically (a reader never sees half a file)."""
    from skops.io import dump as skops_dump

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        skops_dump(obj, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
