import { ArrayMaxSize, IsArray, IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ContractLimits } from './contract-limits';
import { IsEndpointUrl } from './is-endpoint-url.validator';
import { NormalizeText, NormalizeTextEach } from './normalize-text.transform';

/**
 * Text shown to people (a name, a tag) holds only characters that show: no control characters
 * (Cc), no format characters (Cf: bidi overrides and isolates, zero-width spaces and joiners, the
 * byte-order mark, soft hyphens), no unpaired surrogates (Cs), no line or paragraph separators.
 * Otherwise two names that differ would look the same, or a name would reorder the text around
 * it in a UI or a log line. The text is normalised to NFC before this check.
 */
export const DISPLAY_TEXT = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]*$/u;

/** Refuses control characters anywhere in a URL: the URL parser would drop some of them silently. */
export const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\p{Cs}]*$/u;

function all(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, propertyKey) => {
    for (const decorate of decorators) decorate(target, propertyKey);
  };
}

/** The rules of a registration's fields, shared by registering and patching. */
export const IntegrationFieldRules = {
  name: (): PropertyDecorator =>
    all(
      NormalizeText(),
      IsString(),
      Length(1, ContractLimits.nameMaxLength),
      Matches(DISPLAY_TEXT, {
        message:
          '$property must not contain control, format (bidi, zero-width) or separator characters',
      }),
    ),
  endpoint: (): PropertyDecorator =>
    all(
      IsString(),
      Length(1, ContractLimits.endpointMaxLength),
      Matches(NO_CONTROL_CHARACTERS, { message: '$property must not contain control characters' }),
      IsEndpointUrl(),
    ),
  healthCheckIntervalSeconds: (): PropertyDecorator =>
    all(
      IsInt(),
      Min(ContractLimits.minHealthCheckIntervalSeconds),
      Max(ContractLimits.maxHealthCheckIntervalSeconds),
    ),
  tags: (): PropertyDecorator =>
    all(
      NormalizeTextEach(),
      IsArray(),
      ArrayMaxSize(ContractLimits.maxTags),
      IsString({ each: true }),
      Length(1, ContractLimits.tagMaxLength, { each: true }),
      Matches(DISPLAY_TEXT, {
        each: true,
        message:
          'each of $property must not contain control, format (bidi, zero-width) or separator characters',
      }),
    ),
} as const;
