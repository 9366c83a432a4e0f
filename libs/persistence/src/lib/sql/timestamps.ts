/** The drivers hand timestamptz back as Date; the domain speaks UTC ISO-8601 strings. */
export function toIso(value: Date): string {
  return value.toISOString();
}

export function toIsoOrNull(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}
