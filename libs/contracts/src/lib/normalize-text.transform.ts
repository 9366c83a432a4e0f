import { Transform } from 'class-transformer';

function normalize(value: unknown): unknown {
  return typeof value === 'string' ? value.trim().normalize('NFC') : value;
}

/**
 * Trims a string property and puts it in Unicode Normalization Form C before validation, so that
 * one text typed two ways (a precomposed `é` or `e` and a combining accent) is one value. Anything
 * else is left for the validators to refuse.
 */
export function NormalizeText(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => normalize(value));
}

/** `NormalizeText` for each string of an array property. */
export function NormalizeTextEach(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    Array.isArray(value) ? value.map(normalize) : value,
  );
}
