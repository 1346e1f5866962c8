-- 881: event logs (page views, favourites, add-to-cart, checkouts, purchases), written by ecomops/ingest/events.py.
-- Stored compactly for logs of 100M events: every column an integer. Ids that are plain numbers (the Taobao/Tianchi
-- log) are their own key; other ids (GA4's user_pseudo_id, e-mails) get a dictionary key from 2^40 up
-- (event_dictionary). event_names maps each event name to a funnel step (editable, like status_map).
CREATE TABLE IF NOT EXISTS event_names (
    event_key  USMALLINT PRIMARY KEY,
    name       VARCHAR NOT NULL,        -- as written in the logs: pv, cart, view_item, add_to_cart, ...
    step       VARCHAR NOT NULL         -- visit | view | favorite | cart | checkout | purchase | other
);

CREATE TABLE IF NOT EXISTS event_dictionary (
    dim    VARCHAR NOT NULL,            -- visitor | item | category | channel | device
    key    UBIGINT NOT NULL,            -- 2^40 + n (plain-number ids are their own key and not listed here)
    value  VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
    event_ts      TIMESTAMP NOT NULL,   -- store-local time
    visitor_key   UBIGINT NOT NULL,
    event_key     USMALLINT NOT NULL,
    item_key      UBIGINT,
    category_key  UBIGINT,
    channel_key   UBIGINT,
    device_key    UBIGINT,
    import_id     INTEGER
);

-- Daily summaries, rebuilt for the days an import (or its undo) touched. visitors = distinct visitors.
-- event_visitor_days: one row per visitor, day, channel and device with the events of each step; distinct visitors
-- over any period (UV, the funnel) are counted here, not over the raw events (~10x fewer rows for Tianchi's log).
CREATE TABLE IF NOT EXISTS event_visitor_days (
    day           DATE NOT NULL,
    visitor_key   UBIGINT NOT NULL,
    channel_key   UBIGINT,
    device_key    UBIGINT,
    events        BIGINT NOT NULL,
    e_visit       BIGINT NOT NULL,
    e_view        BIGINT NOT NULL,
    e_favorite    BIGINT NOT NULL,
    e_cart        BIGINT NOT NULL,
    e_checkout    BIGINT NOT NULL,
    e_purchase    BIGINT NOT NULL,
    e_other       BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS event_daily (
    day       DATE NOT NULL,
    channel   VARCHAR NOT NULL,         -- 'all' when the log has none
    device    VARCHAR NOT NULL,
    step      VARCHAR NOT NULL,
    visitors  BIGINT NOT NULL,
    events    BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS event_daily_uv (
    day            DATE NOT NULL,
    channel        VARCHAR NOT NULL,
    device         VARCHAR NOT NULL,
    visitors       BIGINT NOT NULL,     -- UV of the day in that channel x device
    events         BIGINT NOT NULL,
    page_views     BIGINT NOT NULL,     -- events of the visit and view steps
    item_views     BIGINT NOT NULL,     -- events of the view step
    viewers        BIGINT NOT NULL,     -- distinct visitors who viewed an item
    carters        BIGINT NOT NULL,     -- ... who added to cart
    checkouters    BIGINT NOT NULL,     -- ... who began a checkout or bought
    buyers         BIGINT NOT NULL      -- ... who bought
);
CREATE TABLE IF NOT EXISTS event_category_daily (
    day       DATE NOT NULL,
    category  VARCHAR NOT NULL,
    step      VARCHAR NOT NULL,
    visitors  BIGINT NOT NULL,
    events    BIGINT NOT NULL
);

-- traffic_daily's columns from the event logs, for the days and channels the logs cover: uv = distinct visitors,
-- pv = page and item views, product_views = item views, add_to_cart = visitors who added to cart, checkouts =
-- visitors who began a checkout or bought (people, like 加购人数 / 下单人数). Pages use it where traffic_daily
-- has no row for the day (traffic_daily_combined).
CREATE OR REPLACE VIEW traffic_daily_from_events AS
SELECT day, channel, device, visitors AS uv, page_views AS pv, item_views AS product_views,
       carters AS add_to_cart, checkouters AS checkouts
FROM event_daily_uv;

-- Daily traffic from the traffic exports, completed by the event logs on days without any traffic row.
CREATE OR REPLACE VIEW traffic_daily_combined AS
SELECT day, channel, device, uv, pv, product_views, add_to_cart, checkouts, 'traffic export' AS source
FROM traffic_daily
UNION ALL
SELECT e.day, e.channel, e.device, e.uv, e.pv, e.product_views, e.add_to_cart, e.checkouts, 'event log' AS source
FROM traffic_daily_from_events e
WHERE NOT EXISTS (SELECT 1 FROM traffic_daily t WHERE t.day = e.day);

-- Distinct visitors between two days (inclusive): the UV of METRICS.md for a period.
CREATE OR REPLACE MACRO event_uv(first_day, last_day) AS (
    SELECT count(DISTINCT visitor_key) FROM event_visitor_days
    WHERE day BETWEEN CAST(first_day AS DATE) AND CAST(last_day AS DATE));

-- The funnel over a period: distinct visitors and events per step (view -> cart -> purchase, ...), counted from
-- one row per visitor (a single grouping, cheaper than a distinct count per step).
CREATE OR REPLACE MACRO event_funnel(first_day, last_day) AS TABLE
    WITH per_visitor AS (
        SELECT visitor_key, sum(e_visit) AS n_visit, sum(e_view) AS n_view, sum(e_favorite) AS n_favorite, sum(e_cart) AS n_cart, sum(e_checkout) AS n_checkout, sum(e_purchase) AS n_purchase, sum(e_other) AS n_other
        FROM event_visitor_days WHERE day BETWEEN CAST(first_day AS DATE) AND CAST(last_day AS DATE)
        GROUP BY visitor_key),
    a AS (
        SELECT count(*) FILTER (WHERE n_visit > 0) AS v_visit, sum(n_visit) AS n_visit,
               count(*) FILTER (WHERE n_view > 0) AS v_view, sum(n_view) AS n_view,
               count(*) FILTER (WHERE n_favorite > 0) AS v_favorite, sum(n_favorite) AS n_favorite,
               count(*) FILTER (WHERE n_cart > 0) AS v_cart, sum(n_cart) AS n_cart,
               count(*) FILTER (WHERE n_checkout > 0) AS v_checkout, sum(n_checkout) AS n_checkout,
               count(*) FILTER (WHERE n_purchase > 0) AS v_purchase, sum(n_purchase) AS n_purchase,
               count(*) FILTER (WHERE n_other > 0) AS v_other, sum(n_other) AS n_other
        FROM per_visitor)
    SELECT * FROM (
        SELECT 'visit', v_visit, n_visit FROM a
        UNION ALL SELECT 'view', v_view, n_view FROM a
        UNION ALL SELECT 'favorite', v_favorite, n_favorite FROM a
        UNION ALL SELECT 'cart', v_cart, n_cart FROM a
        UNION ALL SELECT 'checkout', v_checkout, n_checkout FROM a
        UNION ALL SELECT 'purchase', v_purchase, n_purchase FROM a
        UNION ALL SELECT 'other', v_other, n_other FROM a) f(step, visitors, events)
    WHERE events > 0;

-- Product attention over a period: per item, visitors and events of each step (most viewed first).
CREATE OR REPLACE MACRO item_attention(first_day, last_day) AS TABLE
    WITH per_item AS (
        SELECT e.item_key, any_value(e.category_key) AS category_key,
               count(*) FILTER (WHERE n.step = 'view') AS views,
               count(*) FILTER (WHERE n.step = 'favorite') AS favorites,
               count(*) FILTER (WHERE n.step = 'cart') AS carts,
               count(*) FILTER (WHERE n.step = 'purchase') AS purchases,
               count(DISTINCT e.visitor_key) AS visitors
        FROM events e JOIN event_names n ON n.event_key = e.event_key
        WHERE e.item_key IS NOT NULL AND e.event_ts >= CAST(first_day AS TIMESTAMP)
          AND e.event_ts < CAST(last_day AS TIMESTAMP) + INTERVAL 1 DAY
        GROUP BY e.item_key)
    SELECT coalesce(i.value, CAST(p.item_key AS VARCHAR)) AS item_id,
           coalesce(c.value, CAST(p.category_key AS VARCHAR)) AS category,
           p.views, p.favorites, p.carts, p.purchases, p.visitors
    FROM per_item p
    LEFT JOIN event_dictionary i ON i.dim = 'item' AND i.key = p.item_key
    LEFT JOIN event_dictionary c ON c.dim = 'category' AND c.key = p.category_key
    ORDER BY p.views DESC, item_id;
