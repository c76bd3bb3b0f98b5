"use client";

/** One checkbox per role; `locked` roles show but cannot be changed (an admin's own admin role). */
export function RoleCheckboxes({
  name,
  availableRoles,
  selected,
  onChange,
  locked = [],
}: {
  name: string;
  availableRoles: readonly string[];
  selected: string[];
  onChange: (roles: string[]) => void;
  locked?: string[];
}) {
  return (
    <span className="actions" role="group" aria-label={name}>
      {availableRoles.map((role) => (
        <label key={role} title={locked.includes(role) ? "You cannot remove your own admin role; another admin has to." : undefined}>
          <input
            type="checkbox"
            checked={selected.includes(role)}
            disabled={locked.includes(role)}
            onChange={(event) => onChange(event.target.checked ? [...selected, role] : selected.filter((r) => r !== role))}
          />{" "}
          {role.toLowerCase().replace("_", " ")}
        </label>
      ))}
    </span>
  );
}
