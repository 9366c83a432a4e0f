export function hs256Token(
  secret: string,
  claims: Readonly<Record<string, unknown>>,
  now?: number,
): string;
