-- CreateEnum
CREATE TYPE "RolloutState" AS ENUM ('CANARY', 'PASSED', 'ABORTED');

-- CreateEnum
CREATE TYPE "StopScope" AS ENUM ('ALL', 'PROGRAM', 'LABEL', 'HOST');

-- AlterEnum
ALTER TYPE "RunEndReason" ADD VALUE 'CANARY_ABORTED';

-- AlterTable
ALTER TABLE "Revision" ADD COLUMN     "canaryHosts" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "canaryPeriodSec" INTEGER;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "canary" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "heldForCanary" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "rolloutId" TEXT;

-- CreateTable
CREATE TABLE "Rollout" (
    "id" TEXT NOT NULL,
    "approvalId" TEXT,
    "canaryHosts" TEXT[],
    "periodSec" INTEGER NOT NULL,
    "budgetPercent" DOUBLE PRECISION NOT NULL,
    "state" "RolloutState" NOT NULL DEFAULT 'CANARY',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMP(3),
    "decision" TEXT,
    "canaryCpuPercent" DOUBLE PRECISION,

    CONSTRAINT "Rollout_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StopSwitch" (
    "id" TEXT NOT NULL,
    "scope" "StopScope" NOT NULL,
    "scopeValue" TEXT,
    "scopeName" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "engagedById" TEXT NOT NULL,
    "engagedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "releasedById" TEXT,
    "releasedAt" TIMESTAMP(3),
    "releaseReason" TEXT,
    "endedQueued" INTEGER NOT NULL DEFAULT 0,
    "stoppedRunning" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "StopSwitch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Rollout_approvalId_key" ON "Rollout"("approvalId");

-- CreateIndex
CREATE INDEX "Rollout_state_idx" ON "Rollout"("state");

-- CreateIndex
CREATE INDEX "StopSwitch_releasedAt_idx" ON "StopSwitch"("releasedAt");

-- CreateIndex
CREATE INDEX "Run_rolloutId_idx" ON "Run"("rolloutId");

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_rolloutId_fkey" FOREIGN KEY ("rolloutId") REFERENCES "Rollout"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StopSwitch" ADD CONSTRAINT "StopSwitch_engagedById_fkey" FOREIGN KEY ("engagedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StopSwitch" ADD CONSTRAINT "StopSwitch_releasedById_fkey" FOREIGN KEY ("releasedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
