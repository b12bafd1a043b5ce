/**
 * The HTTP side of receiving an envelope, independent of any framework: the Fetch handler
 * (fetch-handler.ts) and the Fastify plugin (node/fastify-plugin.ts) turn a request into a body
 * text and call {@link answerEnvelopeRequest}, which verifies the envelope with
 * `agent.receive()`, runs the application's handler and seals its reply (envelope-reply.ts).
 *
 * Answers (the same statuses and error body as `agent.middleware()`, agent-middleware.ts):
 * - 200 `application/xlink-envelope+json`: the sealed reply when the handler returns an object;
 * - 204: the handler returned nothing; 202 `{ status: 'pending', received, threshold }`: a
 *   verified split-channel share, buffered until k arrive;
 * - errors `{ "error": { code, subCode?, message, hint } }`: 415 wrong media type, 400
 *   malformed or oversize envelope, 401 authentication failures, 403 authorization failures,
 *   503 registry or nonce store unavailable, 500 a failing handler or reply.
 *
 * @module
 */
import type { Agent } from './agent.js';
import { ENVELOPE_MEDIA_TYPE } from './envelope.js';
import { ENVELOPE_ERROR_STATUS } from './envelope-error-status.js';
import { type ReceivedMessage, sealReply } from './envelope-reply.js';
import type { XlinkErrorDetail } from './errors.js';
import { sizeLimits } from './size-policy.js';

export { ENVELOPE_ERROR_STATUS } from './envelope-error-status.js';

/** Default largest request body, bytes: the size policy's encoded envelope size (size-policy.ts), as the middleware. */
export const DEFAULT_MAX_ENVELOPE_BODY_BYTES = sizeLimits().maxEnvelopeJsonBytes;

/** A framework-neutral HTTP answer. */
export interface EnvelopeHttpAnswer {
  readonly status: number;
  /** `undefined` for 204. */
  readonly contentType?: string;
  readonly body?: string;
}

/**
 * The application's handler: returns a JSON object to answer with a sealed reply, or nothing
 * to answer 204. `context` is the framework's request (a Fetch `Request`, a Fastify request).
 * `void` is in the return type on purpose: a handler written as `(m) => { log(m); }` (no reply)
 * must type-check.
 */
export type EnvelopeMessageHandler<C> = (
  message: ReceivedMessage,
  context: C,
) => HandlerAnswer | Promise<HandlerAnswer>;

/** What an {@link EnvelopeMessageHandler} returns: a reply body, or nothing (204). */
// biome-ignore lint/suspicious/noConfusingVoidType: see EnvelopeMessageHandler's docstring
export type HandlerAnswer = Record<string, unknown> | undefined | void;

/** Options shared by the adapters. */
export interface EnvelopeAdapterOptions<C> {
  /** Runs for each verified message; its return value becomes the sealed reply. */
  readonly onMessage?: EnvelopeMessageHandler<C>;
  /** Scope of replies (default: the request's scope); a function may pick per request. */
  readonly replyScope?: string | ((message: ReceivedMessage) => string);
  /** Largest body read, bytes (default {@link DEFAULT_MAX_ENVELOPE_BODY_BYTES}). */
  readonly maxBodyBytes?: number;
  /** Passed to `agent.receive()` (`allowCleartext`, `now`...). */
  readonly receiveOptions?: Parameters<Agent['receive']>[1];
}

/**
 * An error answer in the middleware's shape.
 * @param status HTTP status
 * @param error code, subCode, message, hint
 * @returns the answer
 */
export function errorAnswer(status: number, error: Partial<XlinkErrorDetail>): EnvelopeHttpAnswer {
  const { code, subCode, message, hint } = error;
  return {
    status,
    contentType: 'application/json',
    body: JSON.stringify({ error: { code, ...(subCode ? { subCode } : {}), message, hint } }),
  };
}

/**
 * Checks the request media type.
 * @param contentType the `content-type` header value, if any
 * @returns `undefined` when it is `application/xlink-envelope+json`, else the 415 answer
 */
export function checkEnvelopeMediaType(
  contentType: string | null | undefined,
): EnvelopeHttpAnswer | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === ENVELOPE_MEDIA_TYPE) return undefined;
  return errorAnswer(415, {
    code: 'ENVELOPE_INVALID',
    subCode: 'MEDIA_TYPE',
    message: `content-type must be ${ENVELOPE_MEDIA_TYPE}`,
    hint: 'Send the envelope JSON form with that media type',
  });
}

/**
 * The 400 answer for a body over the limit or unreadable.
 * @param max the limit, bytes
 * @returns the answer
 */
export function bodyTooLargeAnswer(max: number): EnvelopeHttpAnswer {
  return errorAnswer(400, {
    code: 'PAYLOAD_TOO_LARGE',
    message: `body larger than ${max} bytes or unreadable`,
    hint: 'Send smaller envelopes',
  });
}

/**
 * Verifies one envelope body, runs the handler and seals its reply.
 * @param agent the receiving agent
 * @param body the request body text (already bounded by the adapter)
 * @param context the framework's request, handed to `onMessage`
 * @param options {@link EnvelopeAdapterOptions}
 * @returns the answer to send (see module doc); never throws for bad input, a throwing handler
 *   gives 500 `INTERNAL`
 */
export async function answerEnvelopeRequest<C>(
  agent: Agent,
  body: string,
  context: C,
  options: EnvelopeAdapterOptions<C>,
): Promise<EnvelopeHttpAnswer> {
  const r = await agent.receive(body, options.receiveOptions);
  if (!r.ok) return errorAnswer(ENVELOPE_ERROR_STATUS[r.error.code] ?? 500, r.error);
  if (r.value.status === 'pending') {
    const pending = r.value as { received: number; threshold: number };
    return {
      status: 202,
      contentType: 'application/json',
      body: JSON.stringify({
        status: 'pending',
        received: pending.received,
        threshold: pending.threshold,
      }),
    };
  }
  const message = r.value as ReceivedMessage;
  let answer: unknown;
  try {
    answer = await options.onMessage?.(message, context);
  } catch {
    // The handler's error text may carry secrets: log it in the handler, answer generically.
    return errorAnswer(500, {
      code: 'INTERNAL' as XlinkErrorDetail['code'],
      message: 'the message handler failed',
      hint: 'See the receiving service logs',
    });
  }
  if (answer === undefined || answer === null) return { status: 204 };
  if (typeof answer !== 'object' || Array.isArray(answer) || answer instanceof Uint8Array)
    return errorAnswer(500, {
      code: 'INVALID_PAYLOAD',
      message: 'onMessage must return a JSON object or nothing',
      hint: 'Return { ... } to reply, or undefined for 204',
    });
  const scope =
    typeof options.replyScope === 'function' ? options.replyScope(message) : options.replyScope;
  const sealed = await sealReply(
    agent,
    message,
    answer as Record<string, unknown>,
    scope !== undefined ? { scope } : {},
  );
  if (!sealed.ok) return errorAnswer(500, sealed.error);
  return { status: 200, contentType: ENVELOPE_MEDIA_TYPE, body: JSON.stringify(sealed.value) };
}
