-- 800: claims found in product copy by the compliance scanner (ecomops/risk_compliance.py), stored by the derived
-- table mechanism (ecomops/derived.py, RISK_CLAIMS) whenever products or the word list change, so the Compliance
-- page only reads them. Never edit by hand: everything here follows from products and banned_words.
CREATE TABLE IF NOT EXISTS risk_claim_findings (
    seq           INTEGER NOT NULL,  -- reading order: product_id, then title before description, then position
    product_id    VARCHAR NOT NULL,
    field         VARCHAR NOT NULL,  -- title | description
    position      INTEGER NOT NULL,
    matched       VARCHAR NOT NULL,
    word          VARCHAR NOT NULL,
    language      VARCHAR NOT NULL,
    rule_category VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,
    suggestion    VARCHAR NOT NULL,
    highlighted   VARCHAR NOT NULL   -- the whole field with every claim marked 【like this】
);
-- One row per product with at least one claim.
CREATE TABLE IF NOT EXISTS risk_claim_products (
    product_id              VARCHAR NOT NULL,
    claims                  INTEGER NOT NULL,
    words                   VARCHAR NOT NULL,
    rule_categories         VARCHAR NOT NULL,
    title_highlighted       VARCHAR NOT NULL,
    description_highlighted VARCHAR NOT NULL,
    suggested_title         VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS risk_claims_state (
    fingerprint VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
