-- History in pieces that replay can replace: every projection gains the cluster, and the
-- all-time tables `edge` and `edge_wide` become the merge of daily pieces (`edge_daily`,
-- `edge_wide_daily`: one cluster's UTC day of a key), kept in step by every load in the
-- same transaction. `policy_flow` is already per day; it gains the cluster.
--
-- Existing rows (loaded by an earlier release) are all-time totals that cannot be split by
-- day: they keep their values, get the cluster of the ledger (when it holds one cluster;
-- '' when it holds several, whose rows were merged), and their ledger rows get
-- `by_day = false`. A full `replay` splits them; a range replay refuses until then.

ALTER TABLE edge ADD COLUMN IF NOT EXISTS cluster text;
ALTER TABLE edge_wide ADD COLUMN IF NOT EXISTS cluster text;
ALTER TABLE policy_flow ADD COLUMN IF NOT EXISTS cluster text;
UPDATE edge SET cluster = coalesce((SELECT min(cluster) FROM load_ledger HAVING count(DISTINCT cluster) = 1), '') WHERE cluster IS NULL;
UPDATE edge_wide SET cluster = coalesce((SELECT min(cluster) FROM load_ledger HAVING count(DISTINCT cluster) = 1), '') WHERE cluster IS NULL;
UPDATE policy_flow SET cluster = coalesce((SELECT min(cluster) FROM load_ledger HAVING count(DISTINCT cluster) = 1), '') WHERE cluster IS NULL;
ALTER TABLE edge ALTER COLUMN cluster SET NOT NULL;
ALTER TABLE edge_wide ALTER COLUMN cluster SET NOT NULL;
ALTER TABLE policy_flow ALTER COLUMN cluster SET NOT NULL;

ALTER TABLE edge DROP CONSTRAINT IF EXISTS edge_pkey;
ALTER TABLE edge ADD PRIMARY KEY (cluster, src_ns, dst_ns, action);
ALTER TABLE edge_wide DROP CONSTRAINT IF EXISTS edge_wide_pkey;
ALTER TABLE edge_wide ADD PRIMARY KEY (cluster, src_ns, dst_ns, action, src_identity, dst_identity, src_type, dst_type,
                                       src_workload, dst_workload, dst_service, dst_port, proto, reporter);
ALTER TABLE policy_flow DROP CONSTRAINT IF EXISTS policy_flow_pkey;
ALTER TABLE policy_flow ADD PRIMARY KEY (cluster, day, flow_id);

-- One cluster's UTC day of an `edge` row: the items whose bucket starts on that day.
CREATE TABLE IF NOT EXISTS edge_daily (
    cluster     text        NOT NULL,
    day         date        NOT NULL,
    src_ns      text        NOT NULL,
    dst_ns      text        NOT NULL,
    action      text        NOT NULL,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    flow_count  bigint      NOT NULL,
    connections bigint      NOT NULL,
    packets_in  bigint      NOT NULL,
    packets_out bigint      NOT NULL,
    bytes_in    bigint      NOT NULL,
    bytes_out   bigint      NOT NULL,
    PRIMARY KEY (cluster, day, src_ns, dst_ns, action)
) WITH (fillfactor = 70);

-- One cluster's UTC day of an `edge_wide` row.
CREATE TABLE IF NOT EXISTS edge_wide_daily (
    cluster       text   NOT NULL,
    day           date   NOT NULL,
    src_type      text   NOT NULL,
    src_ns        text   NOT NULL,
    src_identity  text   NOT NULL,
    src_workload  text   NOT NULL,
    dst_type      text   NOT NULL,
    dst_ns        text   NOT NULL,
    dst_identity  text   NOT NULL,
    dst_workload  text   NOT NULL,
    dst_service   text   NOT NULL,
    dst_port      bigint NOT NULL,
    proto         text   NOT NULL,
    action        text   NOT NULL,
    reporter      text   NOT NULL,
    first_seen    timestamptz NOT NULL,
    last_seen     timestamptz NOT NULL,
    flow_count    bigint NOT NULL,
    connections   bigint NOT NULL,
    packets_in    bigint NOT NULL,
    packets_out   bigint NOT NULL,
    bytes_in      bigint NOT NULL,
    bytes_out     bigint NOT NULL,
    PRIMARY KEY (cluster, day, src_ns, dst_ns, action, src_identity, dst_identity, src_type, dst_type,
                 src_workload, dst_workload, dst_service, dst_port, proto, reporter)
) WITH (fillfactor = 70);

-- false: loaded before this migration, so its rows are in the all-time tables only.
ALTER TABLE load_ledger ADD COLUMN IF NOT EXISTS by_day boolean NOT NULL DEFAULT false;
ALTER TABLE load_ledger ALTER COLUMN by_day SET DEFAULT true;
-- A compacted day segment: the SHA-256 of the segments it replaces (NULL for others).
ALTER TABLE load_ledger ADD COLUMN IF NOT EXISTS replaces text[];
CREATE INDEX IF NOT EXISTS load_ledger_cluster_window ON load_ledger (cluster, window_start);
