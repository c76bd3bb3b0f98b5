-- AlterTable
ALTER TABLE "Frame" ADD COLUMN     "delta" JSONB;
