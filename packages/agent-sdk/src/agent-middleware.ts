/**
 * `agent.middleware()`: Express-compatible (also plain `node:http`) request handler that
 * verifies an incoming envelope with `agent.receive()`, sets `req.agentMessage` and calls
 * `next()`; otherwise answers `{ "error": { code, subCode, message, hint } }` with:
 * 415 wrong media type (`application/xlink-envelope+json` required), 400 malformed / oversize
 * envelope, 401 authentication failures (signature, unknown or revoked sender, replay, stale),
 * 403 authorization failures (scope, recipient). Codes: docs/errors.md#agent-sdk.
 *
 * Pitfalls:
 * - Register it BEFORE a JSON body parser that does not know the media type, or configure
 *   `express.json({ type: 'application/xlink-envelope+json' })`; both work (an already parsed
 *   `req.body` object is used, otherwise the raw body is read here up to `maxBodyBytes`).
 * - The envelope is verified, not the HTTP request: any client may POST someone else's
 *   captured envelope; the nonce store makes the second copy a replay.
 *
 * @module
 */

import type { Result } from 'xorida';
import {
  type AgentMessage,
  isPendingShares,
  type ReceiveOptions,
  type ReceiveResult,
} from './agent-types.js';
import { ENVELOPE_MEDIA_TYPE } from './envelope.js';
import { ENVELOPE_ERROR_STATUS } from './envelope-error-status.js';
import type { XlinkErrorDetail } from './errors.js';
import { sizeLimits } from './size-policy.js';

/** The minimal request shape used (Express `Request` and `http.IncomingMessage` fit). */
export interface MiddlewareRequest {
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  agentMessage?: AgentMessage;
  on(event: 'data', cb: (chunk: Uint8Array | string) => void): unknown;
  on(event: 'end' | 'error', cb: (e?: unknown) => void): unknown;
}
/** The minimal response shape used (Express `Response` and `http.ServerResponse` fit). */
export interface MiddlewareResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}
/** Options of `agent.middleware()`. */
export interface AgentMiddlewareOptions {
  /** Largest body read, bytes (default: the size policy's encoded envelope size, size-policy.ts). */
  readonly maxBodyBytes?: number;
  /** Passed to `receive()`. */
  readonly receiveOptions?: ReceiveOptions;
}

function send(res: MiddlewareResponse, status: number, error: Partial<XlinkErrorDetail>) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ error }));
}

function readBody(req: MiddlewareRequest, max: number): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: string[] = [];
    let size = 0;
    let done = false;
    const decoder = new TextDecoder();
    req.on('data', (c) => {
      if (done) return;
      const s = typeof c === 'string' ? c : decoder.decode(c, { stream: true });
      size += typeof c === 'string' ? c.length : c.length;
      if (size > max) {
        done = true;
        resolve(null);
        return;
      }
      chunks.push(s);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(chunks.join('') + decoder.decode());
      }
    });
    req.on('error', () => {
      if (!done) {
        done = true;
        resolve(null);
      }
    });
  });
}

/**
 * Builds the middleware.
 * @param receive the agent's receive function
 * @param options {@link AgentMiddlewareOptions}
 * @returns `(req, res, next) => void` (returns nothing, so routers never inspect a promise;
 *   unexpected exceptions go to `next(error)`)
 */
export function createAgentMiddleware(
  receive: (input: unknown, o?: ReceiveOptions) => Promise<Result<ReceiveResult, XlinkErrorDetail>>,
  options: AgentMiddlewareOptions = {},
): (req: MiddlewareRequest, res: MiddlewareResponse, next: (e?: unknown) => void) => void {
  const max = options.maxBodyBytes ?? sizeLimits().maxEnvelopeJsonBytes; // DELIVERY-HOOK(size)
  const handle = async (
    req: MiddlewareRequest,
    res: MiddlewareResponse,
    next: (e?: unknown) => void,
  ): Promise<void> => {
    const ct = req.headers['content-type'];
    const type = (Array.isArray(ct) ? ct[0] : ct)?.split(';')[0]?.trim().toLowerCase();
    if (type !== ENVELOPE_MEDIA_TYPE) {
      send(res, 415, {
        code: 'ENVELOPE_INVALID',
        subCode: 'MEDIA_TYPE',
        message: `content-type must be ${ENVELOPE_MEDIA_TYPE}`,
        hint: 'Send the envelope JSON form with that media type',
      });
      return;
    }
    let input: unknown = req.body;
    const parsedAlready =
      input !== undefined &&
      input !== null &&
      !(typeof input === 'object' && Object.keys(input as object).length === 0);
    if (!parsedAlready) {
      const text = await readBody(req, max);
      if (text === null) {
        send(res, 400, {
          code: 'PAYLOAD_TOO_LARGE',
          message: `body larger than ${max} bytes or unreadable`,
          hint: 'Send smaller envelopes',
        });
        return;
      }
      input = text;
    } else if (input instanceof Uint8Array) input = new TextDecoder().decode(input);
    const r = await receive(input, options.receiveOptions);
    if (!r.ok) {
      send(res, ENVELOPE_ERROR_STATUS[r.error.code] ?? 500, {
        code: r.error.code,
        ...(r.error.subCode ? { subCode: r.error.subCode } : {}),
        message: r.error.message,
        hint: r.error.hint,
      });
      return;
    }
    if (isPendingShares(r.value)) {
      // A verified split-channel share: buffered until k shares arrive; nothing to hand on yet.
      res.statusCode = 202;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 'pending',
          received: r.value.received,
          threshold: r.value.threshold,
        }),
      );
      return;
    }
    req.agentMessage = r.value;
    next();
  };
  return (req, res, next) => {
    handle(req, res, next).catch(next);
  };
}
