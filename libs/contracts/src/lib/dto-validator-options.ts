import type { ValidatorOptions } from 'class-validator';

/**
 * How the contract's DTOs are validated: undeclared properties are refused rather than dropped (a
 * typo must not silently do nothing), and each field reports its first failed rule only.
 */
export const DTO_VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: true,
} as const satisfies ValidatorOptions;
