-- Several audit entries appended in one statement (appendAuditBatch in
-- lib/server/data/audit.ts: approving a fleet signs thousands of run orders,
-- each audited). Written by hand: Prisma's migration diff does not manage
-- functions. The rules stay those of audit_append_only, widened from "one
-- entry per move of the head" to "a chain of entries per move of the head":
--
-- * A new entry links to the chain head, or to an entry appended after the
--   head and not yet under it: the entry before it in the same batch. (A
--   row-level BEFORE trigger sees the rows its own statement inserted before
--   this one, so a batch links entry by entry.)
-- * The head moves forward only onto an entry that descends from it: walking
--   back from the new head through each entry's prevHash, over entries
--   appended after the old head, reaches the old head. With one entry per
--   move this is exactly the old check.
--
-- What the verifier checks (audit-verification.ts) does not change: every
-- entry links to the one before it by id, and the head names the newest.

CREATE OR REPLACE FUNCTION audit_event_links_to_head() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  head_id BIGINT;
  head_hash TEXT;
BEGIN
  SELECT "lastId", "lastHash" INTO head_id, head_hash FROM "AuditChainHead" WHERE "id" = 1;
  IF head_hash IS NULL OR NOT (
    NEW."prevHash" = head_hash
    OR EXISTS (SELECT 1 FROM "AuditEvent" WHERE "hash" = NEW."prevHash" AND "id" > head_id)
  ) THEN
    RAISE EXCEPTION 'a new audit entry must link to the chain head, or to the entry appended after it in the same batch'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION audit_head_moves_forward() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."id" <> OLD."id" OR NEW."lastId" <= OLD."lastId" OR NOT EXISTS (
    WITH RECURSIVE descent AS (
      SELECT "id", "prevHash" FROM "AuditEvent" WHERE "id" = NEW."lastId" AND "hash" = NEW."lastHash"
      UNION ALL
      -- Ids only go down along the walk, so it ends; "hash" is unique, so it never branches.
      SELECT e."id", e."prevHash" FROM "AuditEvent" e JOIN descent d ON e."hash" = d."prevHash"
      WHERE e."id" > OLD."lastId" AND e."id" < d."id"
    )
    SELECT 1 FROM descent WHERE "prevHash" = OLD."lastHash"
  ) THEN
    RAISE EXCEPTION 'the audit chain head only moves forward, onto the entry appended after it'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
