import { ArrayMaxSize, IsArray, IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ContractLimits } from './contract-limits';
import { IsEndpointUrl } from './is-endpoint-url.validator';
import { Trim, TrimEach } from './trim.transform';

/** Refuses control characters (a name or tag is shown in UIs and logs). */
export const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

function all(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, propertyKey) => {
    for (const decorate of decorators) decorate(target, propertyKey);
  };
}

/** The rules of a registration's fields, shared by registering and patching. */
export const IntegrationFieldRules = {
  name: (): PropertyDecorator =>
    all(
      Trim(),
      IsString(),
      Length(1, ContractLimits.nameMaxLength),
      Matches(NO_CONTROL_CHARACTERS, { message: '$property must not contain control characters' }),
    ),
  endpoint: (): PropertyDecorator =>
    all(IsString(), Length(1, ContractLimits.endpointMaxLength), IsEndpointUrl()),
  healthCheckIntervalSeconds: (): PropertyDecorator =>
    all(
      IsInt(),
      Min(ContractLimits.minHealthCheckIntervalSeconds),
      Max(ContractLimits.maxHealthCheckIntervalSeconds),
    ),
  tags: (): PropertyDecorator =>
    all(
      TrimEach(),
      IsArray(),
      ArrayMaxSize(ContractLimits.maxTags),
      IsString({ each: true }),
      Length(1, ContractLimits.tagMaxLength, { each: true }),
      Matches(NO_CONTROL_CHARACTERS, {
        each: true,
        message: 'each of $property must not contain control characters',
      }),
    ),
} as const;
