-- The runbook's table, exactly: one row per (src_ns, dst_ns, action). Every query in the
-- runbook runs on it unchanged. goldmane-trail adds counters as extra columns.
CREATE TABLE IF NOT EXISTS edge (
    src_ns      text,
    dst_ns      text,
    action      text,
    first_seen  timestamptz,
    last_seen   timestamptz,
    flow_count  bigint,
    PRIMARY KEY (src_ns, dst_ns, action)
);
ALTER TABLE edge ADD COLUMN IF NOT EXISTS connections bigint NOT NULL DEFAULT 0;
ALTER TABLE edge ADD COLUMN IF NOT EXISTS packets_in  bigint NOT NULL DEFAULT 0;
ALTER TABLE edge ADD COLUMN IF NOT EXISTS packets_out bigint NOT NULL DEFAULT 0;
ALTER TABLE edge ADD COLUMN IF NOT EXISTS bytes_in    bigint NOT NULL DEFAULT 0;
ALTER TABLE edge ADD COLUMN IF NOT EXISTS bytes_out   bigint NOT NULL DEFAULT 0;
