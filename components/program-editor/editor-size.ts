// Shared by the lazy wrappers (index.tsx), which hold the space while Monaco
// loads, and the editors themselves, which must fill the same box.

export const DEFAULT_EDITOR_HEIGHT = 320;

/** A number means pixels; strings pass through as CSS. */
export function cssSize(size: number | string): string {
  return typeof size === "number" ? `${size}px` : size;
}
