-- AlterTable
ALTER TABLE "EnrollmentToken" ADD COLUMN     "allowAgentLabels" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "labels" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "Revision" ADD COLUMN     "targetSelector" TEXT;
