-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "localStopReason" TEXT,
ADD COLUMN     "localStopSince" TIMESTAMP(3);
