-- The audit trail is append-only in the database itself, not only because no
-- route has code to edit it: these triggers refuse UPDATE, DELETE and
-- TRUNCATE of audit entries from any client, and keep the chain head
-- (AuditChainHead, one row) moving forward only, onto the entry appended
-- after it. Written by hand: Prisma's migration diff does not manage
-- functions or triggers.
--
-- What this cannot stop: a superuser or the tables' owner can disable the
-- triggers (ALTER TABLE ... DISABLE TRIGGER, or SET session_replication_role
-- = replica) and then change anything. The hash chain is what catches that:
-- `npm run audit:verify` names the first entry that no longer fits. Run the
-- workbench as a role that owns nothing and has only INSERT and SELECT on
-- "AuditEvent" to take even that away from the application's credentials.

-- The head starts at the newest existing entry, or at the genesis hash when
-- the trail is empty (see AUDIT_GENESIS_HASH in lib/server/data/audit.ts).
INSERT INTO "AuditChainHead" ("id", "lastId", "lastHash")
SELECT 1,
       COALESCE(MAX("id"), 0),
       COALESCE((SELECT "hash" FROM "AuditEvent" ORDER BY "id" DESC LIMIT 1), repeat('0', 64))
FROM "AuditEvent";

CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on "%" is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "AuditEvent_no_update_or_delete"
  BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER "AuditEvent_no_truncate"
  BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER "AuditChainHead_no_insert_or_delete"
  BEFORE INSERT OR DELETE ON "AuditChainHead"
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

CREATE TRIGGER "AuditChainHead_no_truncate"
  BEFORE TRUNCATE ON "AuditChainHead"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- A new entry must chain onto the head...
CREATE FUNCTION audit_event_links_to_head() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "AuditChainHead" WHERE "id" = 1 AND "lastHash" = NEW."prevHash") THEN
    RAISE EXCEPTION 'a new audit entry must link to the chain head'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "AuditEvent_links_to_head"
  BEFORE INSERT ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION audit_event_links_to_head();

-- ...and the head only moves forward, onto an entry that links to where it was.
CREATE FUNCTION audit_head_moves_forward() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."id" <> OLD."id" OR NEW."lastId" <= OLD."lastId" OR NOT EXISTS (
    SELECT 1 FROM "AuditEvent"
    WHERE "id" = NEW."lastId" AND "hash" = NEW."lastHash" AND "prevHash" = OLD."lastHash"
  ) THEN
    RAISE EXCEPTION 'the audit chain head only moves forward, onto the entry appended after it'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "AuditChainHead_moves_forward"
  BEFORE UPDATE ON "AuditChainHead"
  FOR EACH ROW EXECUTE FUNCTION audit_head_moves_forward();
