/**
 * Error bodies of the registry/relay HTTP API: `{ "error": { code, message, hint, subCode? } }`
 * with a status code per error code (table in docs/errors.md#agent-sdk).
 *
 * Pitfalls:
 * - Never put request bodies, tokens or envelope contents into messages (they are logged).
 *
 * @module
 */
import type { FastifyReply } from 'fastify';
import type { ErrorDetail } from 'xorida';

/** Codes only the HTTP layer produces (the others are agent-sdk codes). */
export type HttpApiErrorCode =
  | 'BAD_REQUEST'
  | 'BAD_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'MAILBOX_FULL'
  | 'STORAGE_FAILED'
  | 'SHUTTING_DOWN'
  | 'INTERNAL';

/**
 * Sends an error answer.
 * @param reply Fastify reply
 * @param status HTTP status (4xx/5xx)
 * @param e code, message, hint, optional subCode/field
 * @returns the reply (for `return sendError(...)`)
 */
export function sendError(
  reply: FastifyReply,
  status: number,
  e: Pick<ErrorDetail, 'code' | 'message'> & Partial<ErrorDetail>,
): FastifyReply {
  return reply.code(status).send({
    error: {
      code: e.code,
      ...(e.subCode ? { subCode: e.subCode } : {}),
      message: e.message,
      ...(e.hint ? { hint: e.hint } : {}),
      ...(e.field ? { field: e.field } : {}),
    },
  });
}
