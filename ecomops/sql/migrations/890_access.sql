-- 890: sign-in and the audit trail (ecomops/access.py, ecomops/audit.py). Both tables are hidden from the SQL console
-- (not in db.TABLES, hence not in sqlconsole.PUBLIC_TABLES): password hashes and the log are not data to query.
-- accounts: local accounts (argon2id hash) and roles of single-sign-on people (password_hash NULL: the name is the
-- e-mail address their identity provider gives; they cannot sign in with a password).
CREATE TABLE IF NOT EXISTS accounts (
    name             VARCHAR PRIMARY KEY,     -- stored in lower case: sign-in names are case-insensitive
    role             VARCHAR NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    password_hash    VARCHAR,                 -- argon2id PHC string, never the password
    created_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,  -- consecutive failed sign-ins (reset by a success)
    locked_until     TIMESTAMP,               -- no sign-in attempt is checked before this time (UTC)
    last_sign_in     TIMESTAMP
);

-- audit_log: every write made on someone's behalf: who (signed-in name, or the OS user on the command line), when
-- (UTC), through what (web | cli), the action, its target and what changed (JSON).
CREATE SEQUENCE IF NOT EXISTS audit_log_seq;
CREATE TABLE IF NOT EXISTS audit_log (
    entry_id  BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
    logged_at TIMESTAMP NOT NULL,        -- UTC
    actor     VARCHAR NOT NULL,
    role      VARCHAR NOT NULL,
    via       VARCHAR NOT NULL,
    action    VARCHAR NOT NULL,
    target    VARCHAR,
    details   JSON
);
