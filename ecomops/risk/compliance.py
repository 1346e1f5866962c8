"""Compliance: the banned / absolute-claim scanner over product copy, with the word list kept as data.

Returns DataFrames (rules, findings, per-product results) and strings (highlighted copy, suggested rewrite).

The word list ships as ``ecomops/risk/banned_words.csv`` and is seeded once into the ``banned_words`` table (the
operator edits it on the Compliance page; "restore" reloads the CSV). Matching rules:

1. **English / whole-word rules** (``whole_word`` true): case-insensitive, and a word edge that is a letter or digit
   must not touch another ASCII letter or digit — so "best" fires in "Best seller" and "best款" but not in
   "bestow", "#1" fires in "#1 pick" but not in "#10", "100%" fires in "100% effective" and "100%有效" but not in
   "1100%".
   (ASCII, not ``\\w``: in Python ``\\w`` also matches Chinese characters, which would hide "best" in "best款".)
2. **Chinese / substring rules** (``whole_word`` false): Chinese has no spaces, so a word fires wherever it occurs —
   except inside one of the rule's **exceptions**: compounds in which it is not a claim (最近, 最后, 最终, 第一次,
   第一步, 第一时间, 100%纯棉 …). An exception only suppresses the occurrence it covers: in "最近的最佳选择" the 最
   of 最近 is allowed and 最佳 still fires. Exceptions must contain the word (others are ignored), and they belong
   to the word: every rule for the same word (the zh and en "100%") honours them all.
3. **Overlaps**: when rules overlap (最 / 最佳 / 全网最低 / 最低价), the longest match starting first wins, so each
   piece of copy is reported once under its most specific rule.
4. Every rule applies to every text whatever its language (Chinese titles often carry "100%" or "best").
5. **Suggested wording**: each match is replaced by its rule's ``suggestion`` (the first one when several are
   separated by "/"); an empty suggestion deletes the word. The rewrite is a starting point for a human, not
   publish-ready copy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import duckdb
import pandas as pd

from ecomops import db, derived, exports
from ecomops.filters import Filters, slot
from ecomops.i18n import _

WORDS_CSV = Path(__file__).resolve().parent / "banned_words.csv"
RULE_COLUMNS = ["word", "language", "category", "reason", "suggestion", "whole_word", "exceptions", "enabled"]
LANGUAGES = ("zh", "en")
SEEDED_KEY = "banned_words_seeded"
_ASCII_ALNUM = "A-Za-z0-9"


@dataclass(frozen=True)
class Rule:
    """One banned word or phrase with its category, reason, suggested wording and exceptions."""

    word: str
    language: str
    category: str
    reason: str
    suggestion: str = ""
    whole_word: bool = True
    exceptions: tuple[str, ...] = ()

    def pattern(self) -> re.Pattern:
        """Return the compiled pattern: ASCII word edges for whole-word rules, plain substring otherwise."""
        body = re.escape(self.word)
        if self.whole_word:
            if self.word[:1].isascii() and self.word[:1].isalnum():
                body = f"(?<![{_ASCII_ALNUM}])" + body
            if self.word[-1:].isascii() and self.word[-1:].isalnum():
                body = body + f"(?![{_ASCII_ALNUM}])"
        return re.compile(body, re.IGNORECASE)


@dataclass(frozen=True)
class Match:
    """One claim found in a text: its span, the text as written and the rule that fired."""

    start: int
    end: int
    text: str
    rule: Rule


def _allowed_spans(text_lower: str, word: str, exceptions: Iterable[str]) -> set[tuple[int, int]]:
    """Return the spans of the word that sit inside one of its exceptions in this text."""
    word = word.lower()
    spans: set[tuple[int, int]] = set()
    for exception in exceptions:
        exc = exception.lower()
        offsets = [k for k in range(len(exc) - len(word) + 1) if exc[k:k + len(word)] == word]
        if not offsets:
            continue  # an exception that does not contain the word cannot excuse it
        pos = text_lower.find(exc)
        while pos >= 0:
            spans.update((pos + k, pos + k + len(word)) for k in offsets)
            pos = text_lower.find(exc, pos + 1)
    return spans


def find_claims(text: str | None, rules: Iterable[Rule]) -> list[Match]:
    """Return the non-overlapping claims in the text, in reading order (longest match wins an overlap)."""
    if not text:
        return []
    lower = text.lower()
    rules = [rule for rule in rules if rule.word]
    # Exceptions belong to the word, not to one rule: the zh and en "100%" rules share 100%纯棉 / 100% cotton.
    exceptions: dict[str, set[str]] = {}
    for rule in rules:
        exceptions.setdefault(rule.word.lower(), set()).update(rule.exceptions)
    found: list[Match] = []
    for rule in rules:
        word_exceptions = exceptions[rule.word.lower()]
        allowed = _allowed_spans(lower, rule.word, word_exceptions) if word_exceptions else set()
        for m in rule.pattern().finditer(text):
            if (m.start(), m.end()) not in allowed:
                found.append(Match(m.start(), m.end(), m.group(0), rule))
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Match] = []
    for match in found:
        if kept and match.start < kept[-1].end:
            continue
        kept.append(match)
    return kept


def highlight(text: str | None, matches: list[Match], left: str = "【", right: str = "】") -> str:
    """Return the text with every match wrapped in markers (for tables and CSV)."""
    if not text:
        return ""
    out, pos = [], 0
    for m in matches:
        out += [text[pos:m.start], left, text[m.start:m.end], right]
        pos = m.end
    out.append(text[pos:])
    return "".join(out)


def highlight_markdown(text: str | None, matches: list[Match]) -> str:
    """Return Streamlit markdown with every match on a red background (the rest escaped)."""
    if not text:
        return ""
    esc = exports.escape_markdown  # the one markdown escape for data (links, images, HTML, directives)
    out, pos = [], 0
    for m in matches:
        out += [esc(text[pos:m.start]), ":red-background[**", esc(text[m.start:m.end]), "**]"]
        pos = m.end
    out.append(esc(text[pos:]))
    return "".join(out)


def _replacement(match: Match) -> str:
    suggestion = (match.rule.suggestion or "").split("/")[0].strip()
    if suggestion and match.text[:1].isupper():
        suggestion = suggestion[:1].upper() + suggestion[1:]
    return suggestion


def suggest_rewrite(text: str | None, matches: list[Match]) -> str:
    """Return the text with each match replaced by its rule's suggested wording (or removed)."""
    if not text:
        return ""
    out, pos = [], 0
    for m in matches:
        out += [text[pos:m.start], _replacement(m)]
        pos = m.end
    out.append(text[pos:])
    return re.sub(r" {2,}", " ", "".join(out)).strip()


# --- the word list as data ------------------------------------------------------------------------------------

def default_rules_frame() -> pd.DataFrame:
    """Return the shipped word list (ecomops/risk/banned_words.csv) in the table's column order."""
    frame = pd.read_csv(WORDS_CSV, dtype=str, keep_default_na=False)
    frame["whole_word"] = frame["whole_word"].str.lower().isin({"true", "1", "yes"})
    frame["enabled"] = True
    return frame[RULE_COLUMNS]


def validate_rules(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a clean copy of an edited word list; raise ValueError naming the first bad row."""
    frame = frame.copy()
    for col in RULE_COLUMNS:
        if col not in frame.columns:
            frame[col] = True if col in ("enabled", "whole_word") else ""
    frame = frame[RULE_COLUMNS]
    for col in ("word", "language", "category", "reason", "suggestion", "exceptions"):
        frame[col] = frame[col].fillna("").astype(str).str.strip()
    frame = frame[frame["word"] != ""]
    frame["language"] = frame["language"].str.lower()
    for col in ("whole_word", "enabled"):
        frame[col] = frame[col].fillna(True).astype(bool)
    bad = frame[~frame["language"].isin(LANGUAGES)]
    if not bad.empty:
        raise ValueError(_("word “{word}”: language must be one of {languages}", word=bad["word"].iloc[0],
                           languages=", ".join(LANGUAGES)))
    missing = frame[(frame["category"] == "") | (frame["reason"] == "")]
    if not missing.empty:
        raise ValueError(_("word “{word}”: category and reason are required", word=missing["word"].iloc[0]))
    dup = frame[frame.duplicated(["word", "language"])]
    if not dup.empty:
        raise ValueError(_("word “{word}” ({language}) is listed twice", word=dup["word"].iloc[0],
                           language=dup["language"].iloc[0]))
    return frame.reset_index(drop=True)


def _write_rules(cur: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    cur.execute("DELETE FROM banned_words")
    rows = [
        {"word": r.word, "language": r.language, "category": r.category, "reason": r.reason,
         "suggestion": r.suggestion or None, "whole_word": bool(r.whole_word), "exceptions": r.exceptions or None,
         "enabled": bool(r.enabled)}
        for r in frame.itertuples(index=False)
    ]
    if rows:
        cur.executemany("INSERT INTO banned_words (word, language, category, reason, suggestion, whole_word, "
                        "exceptions, enabled) VALUES ($word, $language, $category, $reason, $suggestion, "
                        "$whole_word, $exceptions, $enabled)", rows)
    cur.execute("INSERT INTO meta (key, value) VALUES ($k, 'true') ON CONFLICT (key) DO UPDATE SET value = 'true'",
                {"k": SEEDED_KEY})


def ensure_seeded(con: duckdb.DuckDBPyConnection) -> bool:
    """Seed the shipped word list once per database (never again, so an operator's deletions stay); True if seeded now."""
    if db.query_one(con, "SELECT value FROM meta WHERE key = $k", {"k": SEEDED_KEY}):
        return False
    try:
        with db.transaction(con, sales_data=False) as cur:
            if cur.execute("SELECT count(*) FROM banned_words").fetchone()[0]:
                # Rules loaded by someone else (an import): keep them, just remember the list exists.
                cur.execute("INSERT INTO meta (key, value) VALUES ($k, 'true') ON CONFLICT DO NOTHING",
                            {"k": SEEDED_KEY})
            else:
                _write_rules(cur, default_rules_frame())
    except duckdb.TransactionException:
        return False  # another session seeded it at the same moment
    return True


def banned_words(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the word list (seeding the shipped one on first use), Chinese first, then by category and word."""
    ensure_seeded(con)
    return _clean_rules(db.query_df(con, _RULES_SQL))


_RULES_SQL = f"SELECT {', '.join(RULE_COLUMNS)} FROM banned_words ORDER BY language DESC, category, word"


def _clean_rules(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=RULE_COLUMNS)
    for col in ("suggestion", "exceptions"):
        frame[col] = frame[col].fillna("")
    frame["enabled"] = frame["enabled"].fillna(True).astype(bool)
    return frame


def save_banned_words(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """Replace the word list with an edited one in one transaction; return the number of rules saved."""
    clean = validate_rules(frame)
    with db.transaction(con, sales_data=False) as cur:
        _write_rules(cur, clean)
    derived.ensure(con, derived.RISK_CLAIMS)  # rescan now: the save pays it, not the next page view
    return len(clean)


def restore_default_words(con: duckdb.DuckDBPyConnection) -> int:
    """Replace the word list with the shipped CSV; return the number of rules."""
    return save_banned_words(con, default_rules_frame())


def rules_from_frame(frame: pd.DataFrame) -> list[Rule]:
    """Return the enabled rules of a word-list frame."""
    rules = []
    for r in frame.itertuples(index=False):
        if not getattr(r, "enabled", True) or not str(r.word).strip():
            continue
        exceptions = tuple(e.strip() for e in str(r.exceptions or "").split("|") if e.strip())
        rules.append(Rule(str(r.word).strip(), r.language, r.category, r.reason, str(r.suggestion or ""),
                          bool(r.whole_word), exceptions))
    return rules


def active_rules(con: duckdb.DuckDBPyConnection) -> list[Rule]:
    """Return the enabled rules from the database."""
    return rules_from_frame(banned_words(con))


# --- scanning ------------------------------------------------------------------------------------------------

FINDING_COLUMNS = ["product_id", "title", "category", "field", "matched", "word", "language", "rule_category",
                   "reason", "suggestion", "highlighted"]


def findings_for_text(text: str, rules: list[Rule]) -> pd.DataFrame:
    """Return one row per claim found in a piece of copy (the 'check before publishing' box)."""
    matches = find_claims(text, rules)
    return pd.DataFrame(
        [{"matched": m.text, "word": m.rule.word, "language": m.rule.language, "rule_category": m.rule.category,
          "reason": m.rule.reason, "suggestion": m.rule.suggestion or _("(remove)"), "position": m.start}
         for m in matches],
        columns=["matched", "word", "language", "rule_category", "reason", "suggestion", "position"],
    )


def check_copy(con: duckdb.DuckDBPyConnection, text: str) -> dict:
    """Return the check of new copy: findings table, highlighted markdown and a suggested compliant rewrite."""
    rules = active_rules(con)
    matches = find_claims(text, rules)
    return {
        "findings": findings_for_text(text, rules),
        "highlighted_markdown": highlight_markdown(text, matches),
        "suggested": suggest_rewrite(text, matches),
        "clean": not matches,
    }


def store_findings(cur: duckdb.DuckDBPyConnection) -> None:
    """Scan every product's title and description with the enabled rules and store the claims (migration 800).

    Run by the derived-table mechanism (derived.RISK_CLAIMS.after_build) inside its build transaction, whenever
    products or the word list changed: the scan is Python (regular expressions with exceptions), so the page reads
    its stored result instead of scanning on every view.
    """
    rules = rules_from_frame(_clean_rules(cur.execute(_RULES_SQL).df()))
    products = cur.execute("SELECT product_id, title, description FROM products ORDER BY product_id").fetchall()
    findings, per_product = [], []
    for product_id, title, description in products:
        found = []
        title_matches: list[Match] = []
        description_marked = ""
        for field_name, text in (("title", title), ("description", description)):
            if not isinstance(text, str) or not text:
                continue
            matches = find_claims(text, rules)
            if not matches:
                continue
            marked = highlight(text, matches)
            if field_name == "title":
                title_matches = matches
            else:
                description_marked = marked
            found += [(field_name, m, marked) for m in matches]
        if not found:
            continue
        for field_name, m, marked in found:
            findings.append({"seq": len(findings), "product_id": product_id, "field": field_name,
                             "position": m.start, "matched": m.text, "word": m.rule.word,
                             "language": m.rule.language, "rule_category": m.rule.category,
                             "reason": m.rule.reason, "suggestion": m.rule.suggestion or "(remove)",
                             "highlighted": marked})
        per_product.append({
            "product_id": product_id, "claims": len(found),
            "words": ", ".join(dict.fromkeys(m.text for _, m, _ in found)),
            "rule_categories": ", ".join(dict.fromkeys(m.rule.category for _, m, _ in found)),
            "title_highlighted": highlight(title, title_matches) if title_matches else (title or ""),
            "description_highlighted": description_marked,
            "suggested_title": suggest_rewrite(title, title_matches) if title_matches else (title or ""),
        })
    for table, rows in (("risk_claim_findings", findings), ("risk_claim_products", per_product)):
        if rows:
            cur.register("claims_frame", pd.DataFrame(rows))
            cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM claims_frame")
            cur.unregister("claims_frame")


def _ensure_findings(con: duckdb.DuckDBPyConnection) -> None:
    """Seed the word list if needed, then rescan when products or the word list changed since the last scan."""
    ensure_seeded(con)
    derived.ensure(con, derived.RISK_CLAIMS)


def scan_findings(con: duckdb.DuckDBPyConnection, f: Filters | None = None) -> pd.DataFrame:
    """Return one row per claim found in product titles and descriptions (category filter applies)."""
    _ensure_findings(con)
    category_sql, params = slot(f, "products") if f else ("TRUE", {})
    return db.query_df(con, db.load_sql("risk/claims_findings").format(category_where=category_sql), params)


def scan_products(con: duckdb.DuckDBPyConnection, f: Filters | None = None) -> pd.DataFrame:
    """Return one row per product with claims: counts, words, highlighted title/description, suggested title."""
    _ensure_findings(con)
    category_sql, params = slot(f, "products") if f else ("TRUE", {})
    return db.query_df(con, db.load_sql("risk/claims_products").format(category_where=category_sql), params)


def compliance_summary(con: duckdb.DuckDBPyConnection, f: Filters | None = None) -> dict:
    """Return the headline numbers: products scanned, products with claims, claims, and claims by rule category."""
    _ensure_findings(con)
    category_sql, params = slot(f, "products") if f else ("TRUE", {})
    scanned, flagged, claims, by_category = db.query_one(
        con, db.load_sql("risk/claims_summary").format(category_where=category_sql), params)
    return {
        "products_scanned": int(scanned),
        "products_flagged": int(flagged),
        "claims": int(claims),
        "by_category": {row["rule_category"]: int(row["claims"]) for row in by_category or []},
    }