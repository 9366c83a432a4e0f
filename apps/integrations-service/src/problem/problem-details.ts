import { HttpException, HttpStatus } from '@nestjs/common';
import type { FieldError } from '@stellaops/integrations-core';
import { DomainError, InputError } from '@stellaops/integrations-core';
import { isDatabaseUnavailable } from '@stellaops/integrations-persistence';

/** RFC 9457 problem details, as every error of this service is answered. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://stellaops.dev/problems/';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const DOMAIN_STATUS: Record<DomainError['kind'], [number, string]> = {
  input: [400, 'invalid-input'],
  'not-found': [404, 'not-found'],
  conflict: [409, 'conflict'],
  'precondition-failed': [412, 'precondition-failed'],
};

// Fastify's own errors (body parsing and limits), by code.
const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported-media-type'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'content-too-large'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid-content-length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'malformed-body'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed-body'],
  FST_ERR_CTP_EMPTY_TYPE: [415, 'unsupported-media-type'],
  FST_ERR_CTP_INVALID_TYPE: [415, 'unsupported-media-type'],
  FST_ERR_VALIDATION: [400, 'invalid-input'],
  FST_ERR_BAD_URL: [400, 'malformed-url'],
  // A path segment longer than the router takes names nothing: 404, as a malformed id does.
  FST_ERR_MAX_PARAM_LENGTH: [404, 'not-found'],
};

const FASTIFY_DETAILS: Record<number, string> = {
  400: 'the request body is not valid JSON',
  404: 'nothing exists at this path',
  413: 'the request body is larger than this service accepts',
  415: 'send the body as application/json',
};

export function problem(
  status: number,
  slug: string,
  detail: string,
  errors?: readonly FieldError[],
): ProblemDetails {
  return {
    type: `${TYPE_BASE}${slug}`,
    title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
    status,
    detail,
    ...(errors !== undefined && errors.length > 0 ? { errors } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Translates anything thrown while serving a request into problem details: business errors by
 * kind, Nest's HTTP exceptions by status, Fastify's parsing errors by code. Anything else is a 500
 * whose detail says nothing of its cause (it is logged instead).
 */
export function toProblemDetails(error: unknown): ProblemDetails {
  if (error instanceof InputError) {
    return problem(400, 'invalid-input', error.message, error.errors);
  }
  if (error instanceof DomainError) {
    const [status, slug] = DOMAIN_STATUS[error.kind];
    return problem(status, slug, error.message);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message =
      isRecord(response) && typeof response['message'] === 'string'
        ? response['message']
        : typeof response === 'string'
          ? response
          : error.message;
    return problem(status, (TITLES[status] ?? 'error').toLowerCase().replace(/ /g, '-'), message);
  }
  if (isRecord(error) && typeof error['code'] === 'string') {
    const known = FASTIFY_CODES[error['code']];
    if (known !== undefined) {
      const [status, slug] = known;
      const detail =
        slug === 'malformed-url'
          ? 'the URL is not valid: a percent-encoded sequence does not decode'
          : (FASTIFY_DETAILS[status] ?? 'the request is invalid');
      return problem(status, slug, detail);
    }
  }
  if (isRecord(error) && typeof error['statusCode'] === 'number') {
    const status = error['statusCode'];
    if (status >= 400 && status < 500) {
      return problem(
        status,
        'bad-request',
        typeof error['message'] === 'string' ? error['message'] : 'bad request',
      );
    }
  }
  if (isDatabaseUnavailable(error)) {
    return problem(
      503,
      'database-unavailable',
      'the catalog database is unreachable; try again shortly',
    );
  }
  return problem(
    HttpStatus.INTERNAL_SERVER_ERROR,
    'internal',
    'an unexpected error occurred; it has been logged',
  );
}
