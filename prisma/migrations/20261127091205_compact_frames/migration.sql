-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "frameKey" SERIAL NOT NULL,
ADD COLUMN     "framesPrunedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "FrameNew" (
    "runKey" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "map" INTEGER,
    "data" BYTEA NOT NULL,

    CONSTRAINT "FrameNew_pkey" PRIMARY KEY ("runKey","seq")
);

-- CreateTable
CREATE TABLE "FrameName" (
    "runKey" INTEGER NOT NULL,
    "id" INTEGER NOT NULL,
    "kind" SMALLINT NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "FrameName_pkey" PRIMARY KEY ("runKey","id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Run_frameKey_key" ON "Run"("frameKey");

-- CreateIndex
CREATE INDEX "Run_framesPrunedAt_endedAt_idx" ON "Run"("framesPrunedAt", "endedAt");

-- AddForeignKey
ALTER TABLE "FrameNew" ADD CONSTRAINT "FrameNew_runKey_fkey" FOREIGN KEY ("runKey") REFERENCES "Run"("frameKey") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FrameName" ADD CONSTRAINT "FrameName_runKey_fkey" FOREIGN KEY ("runKey") REFERENCES "Run"("frameKey") ON DELETE CASCADE ON UPDATE CASCADE;
