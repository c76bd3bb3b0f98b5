import type { OpenApiDocument, OpenApiOperation } from "@/lib/server/http/openapi.ts";

// The API reference page's body: each path and method of the OpenAPI
// document, with the action it needs, its parameters, its body's fields and
// its answer's.
// Rendered on the server from the document itself; no script, no other host.

type JsonSchema = Record<string, unknown>;

/** One line for a field's schema: its type and the limits a client must keep. */
export function schemaSummary(schema: JsonSchema | undefined): string {
  if (!schema || Object.keys(schema).filter((key) => key !== "description").length === 0) return "any";
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  if ("const" in schema) return JSON.stringify(schema.const);
  for (const key of ["anyOf", "oneOf"] as const) {
    if (Array.isArray(schema[key])) return (schema[key] as JsonSchema[]).map(schemaSummary).join(" | ");
  }
  const limits: string[] = [];
  const range = (min: unknown, max: unknown, unit: string) => {
    if (typeof min === "number" || typeof max === "number") limits.push(`${min ?? ""}..${max ?? ""}${unit}`);
  };
  range(schema.minimum, schema.maximum, "");
  range(schema.minLength, schema.maxLength, " chars");
  range(schema.minItems, schema.maxItems, " items");
  if (typeof schema.pattern === "string") limits.push(`pattern ${schema.pattern}`);
  if (typeof schema.format === "string") limits.push(schema.format);
  if ("default" in schema) limits.push(`default ${JSON.stringify(schema.default)}`);
  let type = typeof schema.type === "string" ? schema.type : Array.isArray(schema.type) ? schema.type.join(" | ") : "object";
  if (type === "array") type = `array of ${schemaSummary(schema.items as JsonSchema | undefined)}`;
  return limits.length ? `${type} (${limits.join(", ")})` : type;
}

function Fields({ schema }: { schema: JsonSchema }) {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties) return <p className="muted">{schemaSummary(schema)} (full schema below)</p>;
  const required = new Set((schema.required ?? []) as string[]);
  return (
    <table className="list">
      <thead>
        <tr>
          <th>field</th>
          <th>required</th>
          <th>schema</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(properties).map(([name, property]) => (
          <tr key={name}>
            <td className="mono">{name}</td>
            <td>{required.has(name) ? "yes" : "no"}</td>
            <td className="mono">{schemaSummary(property)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The success answer: its JSON fields and schema, or the media types of what the route streams. */
function Answer({ operation }: { operation: OpenApiOperation }) {
  const success = Object.entries(operation.responses).find(([status]) => status.startsWith("2"));
  if (!success) return null;
  const [status, response] = success;
  const json = response.content?.["application/json"]?.schema;
  if (!json) {
    const types = Object.keys(response.content ?? {});
    return types.length ? (
      <p>
        Answer ({status}): {response.description} As <span className="mono">{types.join(", ")}</span>.
      </p>
    ) : null;
  }
  return (
    <>
      <h4>{`Answer (${status}, JSON)`}</h4>
      <Fields schema={json} />
      <details>
        <summary>JSON Schema of the answer</summary>
        <pre>{JSON.stringify(json, null, 2)}</pre>
      </details>
    </>
  );
}

function Operation({ method, path, operation }: { method: string; path: string; operation: OpenApiOperation }) {
  const body = operation.requestBody?.content["application/json"].schema;
  return (
    <section className="panel" id={operation.operationId} data-testid="api-operation">
      <h3 className="mono">{`${method.toUpperCase()} ${path}`}</h3>
      <p>
        {operation["x-workbench-action"] ? (
          <>
            Needs the action <code>{operation["x-workbench-action"]}</code> (a session cookie or an API token whose scopes allow it).
          </>
        ) : (
          <>Public: {operation["x-workbench-public"]}.</>
        )}
        {operation.description && <> {operation.description}</>}
      </p>
      {operation.parameters.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th>parameter</th>
              <th>in</th>
              <th>required</th>
              <th>schema</th>
            </tr>
          </thead>
          <tbody>
            {operation.parameters.map((parameter) => (
              <tr key={`${parameter.in}-${parameter.name}`}>
                <td className="mono">{parameter.name}</td>
                <td>{parameter.in}</td>
                <td>{parameter.required ? "yes" : "no"}</td>
                <td className="mono">{schemaSummary(parameter.schema)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {body && (
        <>
          <h4>Request body (JSON)</h4>
          <Fields schema={body} />
          <details>
            <summary>JSON Schema</summary>
            <pre>{JSON.stringify(body, null, 2)}</pre>
          </details>
        </>
      )}
      <Answer operation={operation} />
      <p className="muted">
        Answers: {Object.keys(operation.responses).join(", ")}; errors as {"{ error: { code, message, details? } }"}.
      </p>
    </section>
  );
}

export function ApiReference({ document }: { document: OpenApiDocument }) {
  return (
    <>
      <p className="muted">{document.info.description}</p>
      {Object.entries(document.paths).map(([path, operations]) =>
        Object.entries(operations).map(([method, operation]) => <Operation key={`${method} ${path}`} method={method} path={path} operation={operation} />),
      )}
    </>
  );
}
