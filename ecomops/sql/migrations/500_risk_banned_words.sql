-- 500: banned-word rules kept as data (issue 7). Exceptions = compounds in which the word is not a claim
-- (e.g. 最近 / 第一次 for 最 / 第一), separated by "|"; a disabled rule stays listed but does not fire.
ALTER TABLE banned_words ADD COLUMN IF NOT EXISTS exceptions VARCHAR;
ALTER TABLE banned_words ADD COLUMN IF NOT EXISTS enabled BOOLEAN DEFAULT true;
