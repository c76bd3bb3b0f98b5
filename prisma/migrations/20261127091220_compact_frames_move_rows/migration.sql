-- Moves the frames stored in the old layout (one row per frame, record and
-- delta as JSONB, keyed by the text run id) into the compact table the
-- previous migration created, then puts that table in the old one's place.
-- Written by hand: Prisma's migration diff cannot carry data across.
--
-- Old rows keep their JSON, in frame-codec's JSON form (lib/server/data/
-- frame-codec.ts): a zero byte, then the UTF-8 JSON array [record] or
-- [record, delta]. Re-encoding them here would need a second implementation
-- of the codec in PL/pgSQL that agrees with the TypeScript one bit for bit;
-- as JSON they read back exactly as they did before (JSONB had already
-- normalised them), cost about what they cost before, and leave with the
-- retention setting like any other frame. Their map names go into FrameName
-- and their "map" column is set, so comparisons and new prints of a run that
-- was running during the upgrade find them.
--
-- One DO block, because the migration runner sends statements one at a time
-- outside a transaction, and one statement is all or nothing.
DO $$
BEGIN
  -- Name kinds as in frame-codec.ts: 0 the name of a hist map, 1 of another map.
  INSERT INTO "FrameName" ("runKey", "id", "kind", "text")
  SELECT r."frameKey",
         (row_number() OVER (PARTITION BY r."frameKey" ORDER BY m."kind", m."text") - 1)::integer,
         m."kind",
         m."text"
  FROM (
    SELECT DISTINCT "runId", CASE WHEN "kind" = 'hist' THEN 0 ELSE 1 END::smallint AS "kind", "payload"->>'map' AS "text"
    FROM "Frame"
    WHERE "kind" IN ('hist', 'map', 'stats', 'tseries') AND jsonb_typeof("payload"->'map') = 'string'
  ) m
  JOIN "Run" r ON r."id" = m."runId";

  INSERT INTO "FrameNew" ("runKey", "seq", "at", "map", "data")
  SELECT r."frameKey",
         f."seq",
         f."at",
         n."id",
         '\x00'::bytea || convert_to(
           (CASE WHEN f."delta" IS NULL THEN jsonb_build_array(f."payload") ELSE jsonb_build_array(f."payload", f."delta") END)::text,
           'UTF8')
  FROM "Frame" f
  JOIN "Run" r ON r."id" = f."runId"
  LEFT JOIN "FrameName" n
    ON f."kind" IN ('hist', 'map', 'stats', 'tseries')
   AND n."runKey" = r."frameKey"
   AND n."kind" = CASE WHEN f."kind" = 'hist' THEN 0 ELSE 1 END
   AND n."text" = f."payload"->>'map';

  DROP TABLE "Frame";
  ALTER TABLE "FrameNew" RENAME TO "Frame";
  ALTER TABLE "Frame" RENAME CONSTRAINT "FrameNew_pkey" TO "Frame_pkey";
  ALTER TABLE "Frame" RENAME CONSTRAINT "FrameNew_runKey_fkey" TO "Frame_runKey_fkey";
END
$$;
