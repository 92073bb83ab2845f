-- What has been loaded: one row per archived input segment, keyed by its content hash.
-- Written in the same transaction as the merge, so it is the truth about what the tables hold.
CREATE TABLE IF NOT EXISTS load_ledger (
    sha256             text PRIMARY KEY,
    segment            text        NOT NULL,
    cluster            text        NOT NULL,
    capture_id         text        NOT NULL,
    window_start       timestamptz NOT NULL,
    window_end         timestamptz NOT NULL,
    data_start         timestamptz,
    data_end           timestamptz,
    items              bigint      NOT NULL,
    batch_edge_rows    integer     NOT NULL,
    batch_wide_rows    integer     NOT NULL,
    transform_version  integer     NOT NULL,
    loaded_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS load_ledger_cluster_data ON load_ledger (cluster, data_start, data_end);
