import type { RunbookParam } from "@/lib/shared/runbook-params.ts";
import type { RunbookPolicy } from "@/lib/shared/runbook-policy.ts";

/** What one parameter allows, in words: the bounds the reviewer signs and the launch form enforces. */
export function describeParam(param: RunbookParam): string {
  switch (param.type) {
    case "integer":
      return `integer from ${param.min} to ${param.max}`;
    case "duration":
      return `duration from ${param.minSec} to ${param.maxSec} s`;
    case "string":
      return `text of at most ${param.maxLength} characters matching ${param.pattern}`;
    case "choice":
      return `one of ${param.choices.join(", ")}`;
  }
}

/** A runbook's launch policy as reviewers and launchers read it; the review page shows it beside the program it is approved with. */
export function RunbookPolicyView({ policy, durationSec }: { policy: RunbookPolicy; durationSec: number }) {
  return (
    <div data-testid="runbook-policy">
      <p>
        <strong>Measures:</strong> {policy.measures}
      </p>
      {policy.whenToUse && (
        <p>
          <strong>When to use it:</strong> {policy.whenToUse}
        </p>
      )}
      <table className="list">
        <thead>
          <tr>
            <th>Parameter</th>
            <th>Allowed</th>
            <th>Default</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {policy.params.length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                No parameters.
              </td>
            </tr>
          )}
          {policy.params.map((param, i) => (
            <tr key={param.name}>
              <td>
                <code>
                  ${i + 1} {param.name}
                </code>
              </td>
              <td>{describeParam(param)}</td>
              <td>
                <code>{JSON.stringify(param.default)}</code>
              </td>
              <td>{param.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        Each launch: at most {policy.maxHostsPerLaunch} host{policy.maxHostsPerLaunch === 1 ? "" : "s"} of its scope, at most {durationSec} s; at most{" "}
        {policy.maxConcurrentLaunches} launch{policy.maxConcurrentLaunches === 1 ? "" : "es"} at once. Launched by:{" "}
        {policy.launchRoles.map((r) => r.toLowerCase().replace("_", " ")).join(", ")}. Approval valid for {policy.validityDays} day{policy.validityDays === 1 ? "" : "s"}.
      </p>
    </div>
  );
}
