-- 882: which orders an import found at the edges of its file (the first and the last order), so that a later
-- file can tell a piece of an order cut by an export's row limit (merged with the stored lines) from a re-export of
-- a complete order (which replaces them). Written and read by ecomops/ingest/load.py; undo removes an import's rows.
CREATE TABLE IF NOT EXISTS order_edges (
    order_id   VARCHAR NOT NULL,
    import_id  INTEGER NOT NULL,
    edge       VARCHAR NOT NULL       -- first | last (the order began or ended its file)
);
