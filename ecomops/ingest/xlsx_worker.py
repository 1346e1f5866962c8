"""Convert the first non-empty sheet of a workbook to a UTF-8 CSV, in a child process with a memory cap.

Run as a script (``python xlsx_worker.py BOOK OUT MAX_BYTES``), never imported by the server: a hostile workbook
(millions of shared strings, a huge sheet) can then only exhaust this process, which the cap ends. Rows are
streamed from python-calamine to the CSV, so Python never holds the whole sheet. Prints one JSON line:
``{"sheet": name, "sheets": n}`` or ``{"error": text}``.
"""
import csv
import json
import resource
import sys


def _cell_text(value: object) -> str:
    # Excel stores every number as a float: an id typed as 17850 arrives as 17850.0.
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return "" if value is None else str(value)


def main(book: str, out: str, max_bytes: int) -> int:
    from python_calamine import CalamineWorkbook  # loaded before the cap: the cap is for the workbook's data

    if max_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    try:
        workbook = CalamineWorkbook.from_path(book)
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            wrote = False
            with open(out, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                for row in sheet.iter_rows():
                    cells = [_cell_text(c) for c in row]
                    if not wrote and not any(c.strip() for c in cells):
                        continue  # blank rows before the data
                    writer.writerow(cells)
                    wrote = True
            if wrote:
                print(json.dumps({"sheet": name, "sheets": len(workbook.sheet_names)}))
                return 0
        print(json.dumps({"error": "The workbook has no data in any sheet."}))
        return 0
    except MemoryError:
        print(json.dumps({"error": "memory"}))
        return 3
    except BaseException as exc:  # calamine raises its own error types (a Rust panic is a BaseException)
        if "MemError" in str(exc) or "memory allocation" in str(exc):
            print(json.dumps({"error": "memory"}))
            return 3
        if not isinstance(exc, Exception):
            raise
        print(json.dumps({"error": f"This workbook cannot be read ({str(exc)[:200]}). Open it in Excel and save it "
                                   "as .xlsx or CSV."}))
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
