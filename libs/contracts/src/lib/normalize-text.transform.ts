import { Transform } from 'class-transformer';

/** Trims a string property before validation; anything else is left for the validators to refuse. */
export function Trim(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim() : value,
  );
}

/** Trims each string of an array property. */
export function TrimEach(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    Array.isArray(value)
      ? value.map((entry: unknown) => (typeof entry === 'string' ? entry.trim() : entry))
      : value,
  );
}
