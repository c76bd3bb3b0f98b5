-- CreateEnum
CREATE TYPE "SigningKeyStatus" AS ENUM ('ACTIVE', 'VERIFY_ONLY', 'RETIRED');

-- CreateEnum
CREATE TYPE "DryRunStatus" AS ENUM ('PENDING', 'OK', 'FAILED', 'REFUSED', 'UNAVAILABLE');

-- CreateTable
CREATE TABLE "SigningKey" (
    "id" TEXT NOT NULL,
    "publicKeyPem" TEXT NOT NULL,
    "encryptedPrivateKey" TEXT,
    "status" "SigningKeyStatus" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activatedAt" TIMESTAMP(3),
    "retiredAt" TIMESTAMP(3),
    "createdByName" TEXT,

    CONSTRAINT "SigningKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrustStatement" (
    "seq" INTEGER NOT NULL,
    "envelope" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrustStatement_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "DryRun" (
    "id" TEXT NOT NULL,
    "revisionId" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "requestedById" TEXT NOT NULL,
    "status" "DryRunStatus" NOT NULL DEFAULT 'PENDING',
    "probes" TEXT[],
    "probeCount" INTEGER,
    "message" TEXT,
    "findings" JSONB,
    "bpftraceVersion" TEXT,
    "elapsedMs" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "DryRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SigningKey_status_idx" ON "SigningKey"("status");

-- CreateIndex
CREATE INDEX "DryRun_revisionId_createdAt_idx" ON "DryRun"("revisionId", "createdAt");
