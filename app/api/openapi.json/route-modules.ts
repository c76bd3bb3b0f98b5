// Every route module under app/api, by its path template, so the OpenAPI
// document can be built from the handlers' own schemas inside Next (which has
// no file system walk at run time). openapi.integration.test.ts walks the
// disk and fails when a route file is missing here. The document's own route
// is listed too: the import cycle (./route.ts → ./document.ts → here) is safe
// because nothing reads a module's exports until a request builds the document.
import * as route0 from "@/app/api/agent/enroll/route.ts";
import * as route1 from "@/app/api/audit/export/route.ts";
import * as route2 from "@/app/api/audit/route.ts";
import * as route3 from "@/app/api/audit/verification/route.ts";
import * as runbooksRoute from "@/app/api/runbooks/route.ts";
import * as runbookRoute from "@/app/api/runbooks/[programId]/route.ts";
import * as openApiRoute from "@/app/api/openapi.json/route.ts";
import * as route4 from "@/app/api/auth/[...nextauth]/route.ts";
import * as route5 from "@/app/api/enrollment-tokens/route.ts";
import * as route6 from "@/app/api/health/route.ts";
import * as route7 from "@/app/api/hosts/[hostId]/labels/route.ts";
import * as route8 from "@/app/api/hosts/[hostId]/revoke/route.ts";
import * as route9 from "@/app/api/hosts/matches/route.ts";
import * as route10 from "@/app/api/hosts/probes/route.ts";
import * as route11 from "@/app/api/hosts/route.ts";
import * as route12 from "@/app/api/incidents/[incidentId]/comparison/route.ts";
import * as route13 from "@/app/api/incidents/[incidentId]/notes/route.ts";
import * as route14 from "@/app/api/incidents/[incidentId]/route.ts";
import * as route15 from "@/app/api/incidents/[incidentId]/runs/[runId]/route.ts";
import * as route16 from "@/app/api/incidents/[incidentId]/runs/route.ts";
import * as route17 from "@/app/api/incidents/route.ts";
import * as route18 from "@/app/api/programs/[programId]/revisions/route.ts";
import * as route19 from "@/app/api/programs/[programId]/route.ts";
import * as route20 from "@/app/api/programs/route.ts";
import * as route21 from "@/app/api/replays/[runId]/end/route.ts";
import * as route22 from "@/app/api/replays/[runId]/frames/route.ts";
import * as route23 from "@/app/api/replays/route.ts";
import * as route24 from "@/app/api/reviews/[reviewId]/revoke/route.ts";
import * as route25 from "@/app/api/revisions/[revisionId]/comments/route.ts";
import * as route26 from "@/app/api/revisions/[revisionId]/dry-runs/route.ts";
import * as route27 from "@/app/api/revisions/[revisionId]/reviews/route.ts";
import * as route28 from "@/app/api/revisions/[revisionId]/route.ts";
import * as route29 from "@/app/api/runbooks/[programId]/launches/route.ts";
import * as route30 from "@/app/api/runs/[runId]/batch/route.ts";
import * as route31 from "@/app/api/runs/[runId]/export/route.ts";
import * as route32 from "@/app/api/runs/[runId]/frames/route.ts";
import * as route33 from "@/app/api/runs/[runId]/rollout/route.ts";
import * as route34 from "@/app/api/runs/[runId]/route.ts";
import * as route35 from "@/app/api/runs/[runId]/stop/route.ts";
import * as route36 from "@/app/api/runs/comparison/route.ts";
import * as route37 from "@/app/api/runs/route.ts";
import * as route38 from "@/app/api/settings/route.ts";
import * as route39 from "@/app/api/signing-keys/[keyId]/retire/route.ts";
import * as route40 from "@/app/api/signing-keys/rotate/route.ts";
import * as route41 from "@/app/api/signing-keys/route.ts";
import * as route42 from "@/app/api/stop-switches/[switchId]/release/route.ts";
import * as route43 from "@/app/api/stop-switches/route.ts";
import * as route44 from "@/app/api/tokens/[tokenId]/revoke/route.ts";
import * as route45 from "@/app/api/tokens/route.ts";
import * as route46 from "@/app/api/users/[userId]/disable/route.ts";
import * as route47 from "@/app/api/users/[userId]/enable/route.ts";
import * as route48 from "@/app/api/users/[userId]/roles/route.ts";
import * as route49 from "@/app/api/users/route.ts";

export const API_ROUTE_MODULES: Record<string, Record<string, unknown>> = {
  "agent/enroll": route0,
  "audit/export": route1,
  audit: route2,
  "audit/verification": route3,
  "auth/[...nextauth]": route4,
  "openapi.json": openApiRoute,
  runbooks: runbooksRoute,
  "runbooks/[programId]": runbookRoute,
  "enrollment-tokens": route5,
  health: route6,
  "hosts/[hostId]/labels": route7,
  "hosts/[hostId]/revoke": route8,
  "hosts/matches": route9,
  "hosts/probes": route10,
  hosts: route11,
  "incidents/[incidentId]/comparison": route12,
  "incidents/[incidentId]/notes": route13,
  "incidents/[incidentId]": route14,
  "incidents/[incidentId]/runs/[runId]": route15,
  "incidents/[incidentId]/runs": route16,
  incidents: route17,
  "programs/[programId]/revisions": route18,
  "programs/[programId]": route19,
  programs: route20,
  "replays/[runId]/end": route21,
  "replays/[runId]/frames": route22,
  replays: route23,
  "reviews/[reviewId]/revoke": route24,
  "revisions/[revisionId]/comments": route25,
  "revisions/[revisionId]/dry-runs": route26,
  "revisions/[revisionId]/reviews": route27,
  "revisions/[revisionId]": route28,
  "runbooks/[programId]/launches": route29,
  "runs/[runId]/batch": route30,
  "runs/[runId]/export": route31,
  "runs/[runId]/frames": route32,
  "runs/[runId]/rollout": route33,
  "runs/[runId]": route34,
  "runs/[runId]/stop": route35,
  "runs/comparison": route36,
  runs: route37,
  settings: route38,
  "signing-keys/[keyId]/retire": route39,
  "signing-keys/rotate": route40,
  "signing-keys": route41,
  "stop-switches/[switchId]/release": route42,
  "stop-switches": route43,
  "tokens/[tokenId]/revoke": route44,
  tokens: route45,
  "users/[userId]/disable": route46,
  "users/[userId]/enable": route47,
  "users/[userId]/roles": route48,
  users: route49,
};
