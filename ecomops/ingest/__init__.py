"""Import pipeline: any CSV/TSV/TXT/XLSX/Parquet export (optionally gzipped) -> validated rows in the data model.

Public API (used by the Upload page, the ``import`` command and other code)::

    from ecomops.ingest import import_file, undo_import
    result = import_file(con, "orders.csv")            # detect kind + mapping, validate, load in one transaction
    result = import_file(con, path, kind="orders", mapping={"customer_id": "会员"}, accept_valid=True)
    undo_import(con, result.import_id)                  # removes its rows, restores the rows it replaced
    result = import_files(con, ["orders.csv", "items.csv", "customers.csv"])  # one export in several files

See docs/import.md for formats, kinds, header synonyms and validation rules.
"""
from ecomops.ingest.detect import Proposal, propose
from ecomops.ingest.kinds import KINDS, get_kind
from ecomops.ingest.load import UndoRefused, UndoResult
from ecomops.ingest.pipeline import ImportResult, import_file, list_imports, preview, previous_import, undo_import
from ecomops.ingest.multifile import import_files
from ecomops.ingest.sniff import IngestError
from ecomops.ingest.validate import Problem

__all__ = ["ImportResult", "IngestError", "KINDS", "Problem", "Proposal", "UndoRefused", "UndoResult", "get_kind",
           "import_file", "import_files", "list_imports", "preview", "previous_import", "propose", "undo_import"]
