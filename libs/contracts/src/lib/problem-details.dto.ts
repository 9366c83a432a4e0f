import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({
    description: 'A JSON-pointer-like path to the field.',
    example: '/settings/latencyMs',
  })
  path!: string;

  @ApiProperty({ example: 'must be <= 60000' })
  message!: string;
}

/** An error, as `application/problem+json` (RFC 9457). */
export class ProblemDetailsDto {
  @ApiProperty({ example: 'https://stellaops.dev/problems/invalid-input' })
  type!: string;

  @ApiProperty({ example: 'Bad Request' })
  title!: string;

  @ApiProperty({ type: 'integer', example: 400 })
  status!: number;

  @ApiProperty()
  detail!: string;

  @ApiPropertyOptional({ description: 'The request path.' })
  instance?: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'For validation failures.' })
  errors?: readonly FieldErrorDto[];
}

export const problemDetailsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;
