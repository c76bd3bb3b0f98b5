-- AlterTable
ALTER TABLE "Revision" ADD COLUMN     "runbookPolicy" JSONB;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "launchId" TEXT;

-- CreateTable
CREATE TABLE "RunbookLaunch" (
    "id" TEXT NOT NULL,
    "revisionId" TEXT NOT NULL,
    "approvalId" TEXT NOT NULL,
    "launchedById" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "values" JSONB NOT NULL,
    "durationSec" INTEGER NOT NULL,
    "incidentId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endsAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RunbookLaunch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RunbookLaunch_revisionId_createdAt_idx" ON "RunbookLaunch"("revisionId", "createdAt");

-- CreateIndex
CREATE INDEX "RunbookLaunch_incidentId_idx" ON "RunbookLaunch"("incidentId");

-- CreateIndex
CREATE INDEX "Run_launchId_status_idx" ON "Run"("launchId", "status");

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_launchId_fkey" FOREIGN KEY ("launchId") REFERENCES "RunbookLaunch"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookLaunch" ADD CONSTRAINT "RunbookLaunch_revisionId_fkey" FOREIGN KEY ("revisionId") REFERENCES "Revision"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookLaunch" ADD CONSTRAINT "RunbookLaunch_approvalId_fkey" FOREIGN KEY ("approvalId") REFERENCES "Review"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookLaunch" ADD CONSTRAINT "RunbookLaunch_launchedById_fkey" FOREIGN KEY ("launchedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunbookLaunch" ADD CONSTRAINT "RunbookLaunch_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE SET NULL ON UPDATE CASCADE;
