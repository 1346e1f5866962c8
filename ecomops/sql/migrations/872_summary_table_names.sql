-- 872: the summary tables' names say what they hold, and each one's build state is <table>_state.
-- traffic_sales_rollup became daily_sales_rollup: GMV per day x channel x category x campaign behind the Overview
-- KPIs, Traffic, Monitoring and the review, not only the Traffic pages (its old name said so).
ALTER TABLE traffic_sales_rollup RENAME TO daily_sales_rollup;
ALTER TABLE traffic_rollup_state RENAME TO daily_sales_rollup_state;
ALTER TABLE products_cache_state RENAME TO products_line_facts_state;
ALTER TABLE users_cache_state RENAME TO users_order_facts_state;
