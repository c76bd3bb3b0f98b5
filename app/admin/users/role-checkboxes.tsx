"use client";

/** One checkbox per role; `locked` roles show but cannot be changed, with why (an admin's own admin role, approving roles they lack). */
export function RoleCheckboxes({
  name,
  availableRoles,
  selected,
  onChange,
  locked = {},
}: {
  name: string;
  availableRoles: readonly string[];
  selected: string[];
  onChange: (roles: string[]) => void;
  /** Role -> why it cannot be changed here. */
  locked?: Record<string, string>;
}) {
  return (
    <span className="actions" role="group" aria-label={name}>
      {availableRoles.map((role) => (
        <label key={role} title={locked[role]}>
          <input
            type="checkbox"
            checked={selected.includes(role)}
            disabled={role in locked}
            onChange={(event) => onChange(event.target.checked ? [...selected, role] : selected.filter((r) => r !== role))}
          />{" "}
          {role.toLowerCase().replace("_", " ")}
        </label>
      ))}
    </span>
  );
}
