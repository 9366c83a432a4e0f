import type { PipeTransform } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { isUuid, NotFoundError } from '@stellaops/integrations-core';

/** The one answer for an id that names no registration of the caller's tenant, whatever the reason. */
export function integrationNotFound(): NotFoundError {
  return new NotFoundError('no integration with this id exists in your tenant');
}

/**
 * The `{id}` of a route. An id that is not a uuid names nothing, so it is answered exactly like a
 * missing one (404), not as a malformed request.
 */
@Injectable()
export class IntegrationIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw integrationNotFound();
    return value.toLowerCase();
  }
}
