-- The settings each loaded segment was folded with: the normalisation settings and the
-- transform version, as canonical JSON, and their fingerprint. etl refuses to add rows made
-- with other settings than the tables hold (replay rebuilds with new ones). Rows loaded
-- before this migration have NULL: unknown.
ALTER TABLE load_ledger ADD COLUMN IF NOT EXISTS settings text;
ALTER TABLE load_ledger ADD COLUMN IF NOT EXISTS settings_fingerprint text;
