-- The policy projection: per observed flow identity and UTC day, the decision of its
-- enforced policy trace and of its pending (staged) trace. `flow_id` is 32 hex digits of
-- the SHA-256 of the identity (every column but day and counts): labels can be longer than
-- an index entry may be. Filled by the fold; `replay` backfills it from the archive.
CREATE TABLE IF NOT EXISTS policy_flow (
    day              date   NOT NULL,
    flow_id          text   NOT NULL,
    src_type         text   NOT NULL,
    src_ns           text   NOT NULL,
    src_workload     text   NOT NULL,
    src_labels       text[] NOT NULL,
    dst_type         text   NOT NULL,
    dst_ns           text   NOT NULL,
    dst_workload     text   NOT NULL,
    dst_labels       text[] NOT NULL,
    dst_port         bigint NOT NULL,
    proto            text   NOT NULL,
    reporter         text   NOT NULL,
    action           text   NOT NULL,
    enforced_kind    text   NOT NULL,
    enforced_tier    text   NOT NULL,
    enforced_policy  text   NOT NULL,
    enforced_rule    bigint NOT NULL,
    enforced_action  text   NOT NULL,
    enforced_trigger text   NOT NULL,
    pending_kind     text   NOT NULL,
    pending_tier     text   NOT NULL,
    pending_policy   text   NOT NULL,
    pending_rule     bigint NOT NULL,
    pending_action   text   NOT NULL,
    pending_trigger  text   NOT NULL,
    first_seen       timestamptz NOT NULL,
    last_seen        timestamptz NOT NULL,
    flow_count       bigint NOT NULL,
    connections      bigint NOT NULL,
    PRIMARY KEY (day, flow_id)
) WITH (fillfactor = 70);

CREATE INDEX IF NOT EXISTS policy_flow_src_ns ON policy_flow (src_ns, day);
CREATE INDEX IF NOT EXISTS policy_flow_pending ON policy_flow (pending_kind, day) WHERE pending_kind <> enforced_kind OR pending_action <> action;
