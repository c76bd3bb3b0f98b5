-- CreateEnum
CREATE TYPE "RunKind" AS ENUM ('LIVE', 'REPLAY');

-- CreateEnum
CREATE TYPE "IncidentStatus" AS ENUM ('OPEN', 'RESOLVED');

-- CreateEnum
CREATE TYPE "IncidentRunRole" AS ENUM ('INCIDENT', 'BASELINE');

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "kind" "RunKind" NOT NULL DEFAULT 'LIVE',
ADD COLUMN     "replayName" TEXT,
ADD COLUMN     "replayProgram" TEXT,
ADD COLUMN     "replaySourceHost" TEXT,
ADD COLUMN     "uploadedById" TEXT,
ALTER COLUMN "revisionId" DROP NOT NULL,
ALTER COLUMN "hostId" DROP NOT NULL,
ALTER COLUMN "approvalId" DROP NOT NULL,
ALTER COLUMN "envelope" DROP NOT NULL;

-- CreateTable
CREATE TABLE "Incident" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "summary" TEXT NOT NULL DEFAULT '',
    "status" "IncidentStatus" NOT NULL DEFAULT 'OPEN',
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "Incident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IncidentRun" (
    "incidentId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "role" "IncidentRunRole" NOT NULL,
    "addedById" TEXT NOT NULL,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IncidentRun_pkey" PRIMARY KEY ("incidentId","runId")
);

-- CreateTable
CREATE TABLE "IncidentNote" (
    "id" TEXT NOT NULL,
    "incidentId" TEXT NOT NULL,
    "authorId" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IncidentNote_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Incident_status_createdAt_idx" ON "Incident"("status", "createdAt");

-- CreateIndex
CREATE INDEX "IncidentRun_runId_idx" ON "IncidentRun"("runId");

-- CreateIndex
CREATE INDEX "IncidentNote_incidentId_createdAt_idx" ON "IncidentNote"("incidentId", "createdAt");

-- CreateIndex
CREATE INDEX "Run_approvalId_idx" ON "Run"("approvalId");

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_uploadedById_fkey" FOREIGN KEY ("uploadedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Incident" ADD CONSTRAINT "Incident_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IncidentRun" ADD CONSTRAINT "IncidentRun_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IncidentRun" ADD CONSTRAINT "IncidentRun_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IncidentRun" ADD CONSTRAINT "IncidentRun_addedById_fkey" FOREIGN KEY ("addedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IncidentNote" ADD CONSTRAINT "IncidentNote_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IncidentNote" ADD CONSTRAINT "IncidentNote_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Written by hand: a LIVE run was signed for one host and keeps everything
-- that says so; a REPLAY is a capture a user uploaded and has none of it,
-- only its uploader. The data layer relies on this to read a live run's host
-- as never null. A trigger rather than a CHECK constraint: Prisma's schema
-- engine (the WebAssembly build these migrations run on) panics while
-- introspecting a CHECK that compares an enum, and ignores triggers.
CREATE FUNCTION run_check_origin() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."kind" = 'LIVE' AND (NEW."revisionId" IS NULL OR NEW."hostId" IS NULL OR NEW."approvalId" IS NULL OR NEW."envelope" IS NULL) THEN
    RAISE EXCEPTION 'a live run needs its revision, host, approval and envelope (run %)', NEW."id" USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."kind" = 'REPLAY' AND (NEW."revisionId" IS NOT NULL OR NEW."hostId" IS NOT NULL OR NEW."approvalId" IS NOT NULL OR NEW."envelope" IS NOT NULL OR NEW."uploadedById" IS NULL) THEN
    RAISE EXCEPTION 'a replay has no revision, host, approval or envelope, and has its uploader (run %)', NEW."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "Run_origin" BEFORE INSERT OR UPDATE OF "kind", "revisionId", "hostId", "approvalId", "envelope", "uploadedById" ON "Run"
FOR EACH ROW EXECUTE FUNCTION run_check_origin();
