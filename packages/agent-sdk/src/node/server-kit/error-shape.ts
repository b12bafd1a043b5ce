/**
 * The one error body of every xorida HTTP server: `{ "error": { code, message, hint?, subCode?,
 * field? } }` for every non-2xx answer, the framework's own included (unknown route, bad or empty
 * JSON, oversize body, wrong content type, schema validation, rate limit, crash). Stack traces
 * and raw exception text of 5xx errors never reach the client; they go to the log.
 *
 * Status codes follow RFC 9110 section 15 (400, 404, 413, 415, 429 with Retry-After per RFC 6585
 * section 4, 500).
 *
 * @module
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { ErrorDetail } from 'xorida';
import { sendError } from '../lib/http-errors.js';

/** Options of {@link installErrorShape}. */
export interface ErrorShapeOptions {
  /** Code of a schema-validation failure (default `BAD_REQUEST`). */
  readonly validationCode?: string;
  /** Hint of a 404 for an unknown route (default: points at `GET /openapi.json`). */
  readonly notFoundHint?: string;
}

type Detail = Pick<ErrorDetail, 'code' | 'message'> & Partial<ErrorDetail>;

/**
 * Maps a Fastify (or plugin) error to a status and error detail.
 * @param error the thrown error (`statusCode`, `code` as Fastify sets them)
 * @param validationCode code used for schema-validation failures
 * @returns HTTP status (4xx/5xx) and the detail to send; 5xx details never carry the error text
 */
export function errorDetailFor(
  error: FastifyError & { validationContext?: string },
  validationCode = 'BAD_REQUEST',
): { status: number; detail: Detail } {
  const status = error.statusCode ?? 500;
  if (error.validation)
    return {
      status: 400,
      detail: {
        code: validationCode,
        message:
          `${error.validationContext ?? 'request'} ${error.validation[0]?.instancePath || ''} ${error.validation[0]?.message ?? 'is invalid'}`.replace(
            /\s+/g,
            ' ',
          ),
        hint: 'See GET /openapi.json for the request schema',
        ...(error.validation[0]?.instancePath
          ? { field: error.validation[0].instancePath.replace(/^\//, '') }
          : {}),
      },
    };
  switch (error.code) {
    case 'BAD_JSON':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return {
        status: 400,
        detail: { code: 'BAD_JSON', message: 'body is not valid JSON', hint: 'Send JSON' },
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        detail: {
          code: 'PAYLOAD_TOO_LARGE',
          message: 'request body exceeds the limit',
          hint: 'Send a smaller body',
        },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: status === 400 ? 400 : 415,
        detail: {
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: 'content-type must be application/json',
          hint: 'Set the content-type header',
        },
      };
  }
  if (status === 429)
    return {
      status,
      detail: {
        code: 'RATE_LIMITED',
        message: error.message,
        hint: 'Slow down; see the retry-after header',
      },
    };
  if (status === 503 && error.code === 'FST_ERR_REP_ALREADY_SENT')
    return { status: 500, detail: { code: 'INTERNAL', message: 'internal error' } };
  if (status >= 400 && status < 500)
    return {
      status,
      detail: { code: 'BAD_REQUEST', message: error.message, hint: 'Fix the request' },
    };
  return {
    status: 500,
    detail: { code: 'INTERNAL', message: 'internal error', hint: 'See the server log' },
  };
}

/**
 * Installs the error and not-found handlers on `app` (root context: plugins inherit them).
 * @param app the Fastify instance
 * @param options validation code, 404 hint
 */
export function installErrorShape(app: FastifyInstance, options: ErrorShapeOptions = {}): void {
  app.setErrorHandler((error: FastifyError, req, reply: FastifyReply) => {
    const { status, detail } = errorDetailFor(error, options.validationCode);
    if (status >= 500) req.log.error({ err: error }, 'unhandled error');
    return sendError(reply, status, detail);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 404, {
      code: 'NOT_FOUND',
      message: `no route ${req.method} ${req.url.split('?')[0]}`,
      hint: options.notFoundHint ?? 'See GET /openapi.json for the routes',
    }),
  );
}
