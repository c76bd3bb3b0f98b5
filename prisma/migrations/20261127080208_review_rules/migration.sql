-- AlterEnum
ALTER TYPE "ReviewDecision" ADD VALUE 'REQUEST_CHANGES';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "RevisionStatus" ADD VALUE 'CHANGES_REQUESTED';
ALTER TYPE "RevisionStatus" ADD VALUE 'EXPIRED';
ALTER TYPE "RevisionStatus" ADD VALUE 'REVOKED';

-- AlterTable
ALTER TABLE "Review" ADD COLUMN     "bySecurityReviewer" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "revokeReason" TEXT,
ADD COLUMN     "revokedAt" TIMESTAMP(3),
ADD COLUMN     "revokedById" TEXT,
ADD COLUMN     "validUntil" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Revision" ADD COLUMN     "approvalsRequired" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "lint" JSONB,
ADD COLUMN     "reviewDeadline" TIMESTAMP(3),
ADD COLUMN     "securityReviewRequired" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "stopReason" TEXT;

-- CreateTable
CREATE TABLE "RevisionComment" (
    "id" TEXT NOT NULL,
    "revisionId" TEXT NOT NULL,
    "authorId" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RevisionComment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkbenchSettings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "reviewRules" JSONB NOT NULL,
    "lintPolicy" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "updatedById" TEXT,

    CONSTRAINT "WorkbenchSettings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RevisionComment_revisionId_idx" ON "RevisionComment"("revisionId");

-- AddForeignKey
ALTER TABLE "Review" ADD CONSTRAINT "Review_revokedById_fkey" FOREIGN KEY ("revokedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RevisionComment" ADD CONSTRAINT "RevisionComment_revisionId_fkey" FOREIGN KEY ("revisionId") REFERENCES "Revision"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RevisionComment" ADD CONSTRAINT "RevisionComment_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkbenchSettings" ADD CONSTRAINT "WorkbenchSettings_updatedById_fkey" FOREIGN KEY ("updatedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
