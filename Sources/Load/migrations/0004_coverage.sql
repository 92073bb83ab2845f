-- Which time ranges each loaded segment captured and which it missed (gaps are explicit).
CREATE TABLE IF NOT EXISTS coverage (
    sha256       text        NOT NULL,
    cluster      text        NOT NULL,
    range_start  timestamptz NOT NULL,
    range_end    timestamptz NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('captured', 'gap')),
    reason       text        NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS coverage_cluster_range ON coverage (cluster, range_start);
