/**
 * `createFetchHandler(agent, options)`: a Fetch-API handler `(Request) => Promise<Response>`
 * that verifies `application/xlink-envelope+json` POSTs and answers with a sealed reply. It runs
 * wherever the Fetch API does: `Bun.serve({ fetch })`, `Deno.serve(handler)`, Cloudflare
 * Workers-style `export default { fetch }`, Hono (`app.post('/xlink', (c) => h(c.req.raw))`).
 * Statuses and bodies: envelope-http.ts (the same as `agent.middleware()`), plus 405 for a
 * method other than POST.
 *
 * Pitfalls:
 * - The handler reads at most `maxBodyBytes` (default `sizeLimits().maxEnvelopeJsonBytes`,
 *   size-policy.ts) from the body stream, whatever `content-length` claims.
 * - The envelope is verified, not the HTTP request: put network-level access control in front
 *   if only some clients may reach the endpoint.
 *
 * @module
 */
import type { Agent } from './agent.js';
import {
  answerEnvelopeRequest,
  bodyTooLargeAnswer,
  checkEnvelopeMediaType,
  DEFAULT_MAX_ENVELOPE_BODY_BYTES,
  type EnvelopeAdapterOptions,
  type EnvelopeHttpAnswer,
  errorAnswer,
} from './envelope-http.js';
import { checkAgent } from './envelope-reply.js';
import { toXlinkError } from './errors.js';

/** Options of {@link createFetchHandler}; `onMessage` gets the Fetch `Request`. */
export type FetchHandlerOptions = EnvelopeAdapterOptions<Request>;

/**
 * Reads a body up to `max` bytes.
 * @returns the text, or `null` when larger or unreadable
 */
async function readBounded(request: Request, max: number): Promise<string | null> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > max) return null;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => undefined);
        return null;
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return null;
  }
  return text + decoder.decode();
}

function toResponse(a: EnvelopeHttpAnswer): Response {
  return new Response(a.body ?? null, {
    status: a.status,
    ...(a.contentType ? { headers: { 'content-type': a.contentType } } : {}),
  });
}

/**
 * Builds the handler.
 * @param agent the receiving `Agent`
 * @param options `onMessage(message, request)` (its object return value is sealed as the
 *   reply), `replyScope`, `maxBodyBytes` (bytes), `receiveOptions`
 * @returns `(request) => Promise<Response>`; it never rejects for bad input
 * @throws XlinkError `INVALID_OPTIONS` (field `agent` when it is not an Agent, e.g. an identity;
 *   field `maxBodyBytes`)
 */
export function createFetchHandler(
  agent: Agent,
  options: FetchHandlerOptions = {},
): (request: Request) => Promise<Response> {
  const a = checkAgent(agent);
  if (!a.ok) throw toXlinkError(a.error);
  const max = options.maxBodyBytes ?? DEFAULT_MAX_ENVELOPE_BODY_BYTES;
  if (!(Number.isSafeInteger(max) && max > 0))
    throw toXlinkError({
      code: 'INVALID_OPTIONS',
      message: 'maxBodyBytes must be a positive integer (bytes)',
      hint: 'Pass e.g. 1048576',
      field: 'maxBodyBytes',
    });
  return async (request) => {
    if (request.method !== 'POST')
      return toResponse(
        errorAnswer(405, {
          code: 'ENVELOPE_INVALID',
          subCode: 'METHOD',
          message: 'POST an envelope',
          hint: 'Use POST with the envelope JSON form',
        }),
      );
    const wrongType = checkEnvelopeMediaType(request.headers.get('content-type'));
    if (wrongType) return toResponse(wrongType);
    const body = await readBounded(request, max);
    if (body === null) return toResponse(bodyTooLargeAnswer(max));
    return toResponse(await answerEnvelopeRequest(a.value, body, request, options));
  };
}
