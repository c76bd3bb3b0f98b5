import { requirePageActor } from "@/lib/server/auth/session.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { ApiReference } from "@/components/api-reference/api-reference.tsx";
import { openApiDocument } from "@/app/api/openapi.json/document.ts";

// The HTTP API reference, rendered from the same OpenAPI document that
// /api/openapi.json serves.
export default async function ApiReferencePage() {
  const { allowed } = await requirePageActor("api.read", "/api-reference");
  if (!allowed) return <Forbidden what="read the API reference" />;
  return (
    <main>
      <h1>HTTP API reference</h1>
      <p>
        Generated from the routes&apos; own validation. The machine-readable document is at <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1; send your session cookie
        or <code>Authorization: Bearer wbt_...</code>).
      </p>
      <ApiReference document={openApiDocument()} />
    </main>
  );
}
