-- Segments etl could not load: one row per segment name, with the latest reason. A segment
-- that loads later, or that leaves the archive, loses its row. `health` reports these rows.
CREATE TABLE IF NOT EXISTS load_failures (
    segment    text        PRIMARY KEY,
    reason     text        NOT NULL,
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at  timestamptz NOT NULL DEFAULT now(),
    attempts   integer     NOT NULL DEFAULT 1
);
