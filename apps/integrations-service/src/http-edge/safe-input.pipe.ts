import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { findUnsafeInput, pointerToken } from '@stellaops/integrations-contracts';
import { invalidInput } from '../catalog/catalog-validation.pipe';

/**
 * The one check every body, query and path parameter passes before any other pipe sees it
 * (global pipes run first): no NUL, no control characters (a body's free text may break lines),
 * no unpaired surrogates, in values and property names at any depth, and no nesting deeper than
 * the contract allows. PostgreSQL refuses NUL and unpaired surrogates in text and jsonb, and the
 * validators behind this pipe recurse; so such input is refused here with a 400 naming the field.
 */
@Injectable()
export class SafeInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const errors =
      metadata.type === 'body'
        ? findUnsafeInput(value)
        : findUnsafeInput(value, {
            path: metadata.data === undefined ? '' : `/${pointerToken(metadata.data)}`,
            strings: 'line',
          });
    if (errors.length > 0) throw invalidInput('the request is invalid', errors);
    return value;
  }
}
