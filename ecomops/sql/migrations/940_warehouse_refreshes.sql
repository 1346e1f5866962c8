-- 940: refreshes of the Spark engine's local cache (ecomops/engine/summary.py): when the summary tables were rebuilt
-- from the warehouse, from which load, which tables and how long it took. The sidebar shows the latest.
CREATE TABLE IF NOT EXISTS warehouse_refreshes (
    refreshed_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    engine       VARCHAR NOT NULL,
    warehouse    VARCHAR NOT NULL,
    load_id      VARCHAR NOT NULL,
    tables       VARCHAR NOT NULL,  -- comma-separated names of the summary tables rebuilt
    seconds      DOUBLE NOT NULL
);
