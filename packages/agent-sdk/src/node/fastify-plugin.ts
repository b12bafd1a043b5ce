/**
 * `xlinkFastify`: a Fastify plugin serving one `POST` route that verifies
 * `application/xlink-envelope+json` bodies with `agent.receive()` and answers with a sealed
 * reply. Statuses and error bodies: envelope-http.ts (the same as `agent.middleware()`).
 *
 *   await app.register(xlinkFastify, { agent, prefix: '/xlink', onMessage: (m) => ({ ok: true }) })
 *
 * The plugin is encapsulated (not wrapped in fastify-plugin) on purpose: its body parser (any
 * media type read as text up to `maxBodyBytes`, so a wrong type gets this module's 415 rather
 * than Fastify's) and its error handler apply to its own route only.
 *
 * @module
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Agent } from '../agent.js';
import {
  answerEnvelopeRequest,
  bodyTooLargeAnswer,
  checkEnvelopeMediaType,
  DEFAULT_MAX_ENVELOPE_BODY_BYTES,
  type EnvelopeAdapterOptions,
  type EnvelopeHttpAnswer,
  errorAnswer,
} from '../envelope-http.js';
import { checkAgent } from '../envelope-reply.js';
import { toXlinkError } from '../errors.js';

/** Options of {@link xlinkFastify}; `onMessage` gets the Fastify request. */
export interface XlinkFastifyOptions extends EnvelopeAdapterOptions<FastifyRequest> {
  /** The receiving agent. */
  readonly agent: Agent;
  /** Route path inside the plugin's prefix (default `/`). */
  readonly path?: string;
}

function sendAnswer(reply: FastifyReply, a: EnvelopeHttpAnswer): FastifyReply {
  reply.code(a.status);
  if (a.contentType) reply.header('content-type', a.contentType);
  return reply.send(a.body ?? null);
}

/**
 * The plugin. Register with `app.register(xlinkFastify, options)`.
 * @param app the Fastify instance (an encapsulated child)
 * @param options {@link XlinkFastifyOptions}: `agent`, `path`, `onMessage(message, request)`,
 *   `replyScope`, `maxBodyBytes` (bytes, default `sizeLimits().maxEnvelopeJsonBytes`), `receiveOptions`
 * @throws XlinkError `INVALID_OPTIONS` at registration (field `agent` when it is not an Agent,
 *   e.g. an identity; field `maxBodyBytes`)
 */
export const xlinkFastify: FastifyPluginAsync<XlinkFastifyOptions> = async (app, options) => {
  const a = checkAgent(options?.agent);
  if (!a.ok) throw toXlinkError(a.error);
  const max = options.maxBodyBytes ?? DEFAULT_MAX_ENVELOPE_BODY_BYTES;
  if (!(Number.isSafeInteger(max) && max > 0))
    throw toXlinkError({
      code: 'INVALID_OPTIONS',
      message: 'maxBodyBytes must be a positive integer (bytes)',
      hint: 'Pass e.g. 1048576',
      field: 'maxBodyBytes',
    });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: max }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((error: FastifyError, _req, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return sendAnswer(reply, bodyTooLargeAnswer(max));
    if (error.statusCode !== undefined && error.statusCode < 500)
      return sendAnswer(
        reply,
        errorAnswer(error.statusCode, {
          code: 'ENVELOPE_INVALID',
          subCode: error.code,
          message: error.message,
          hint: 'POST the envelope JSON form',
        }),
      );
    reply.log.error({ err: error }, 'xlink route failed');
    return sendAnswer(
      reply,
      errorAnswer(500, {
        code: 'INTERNAL' as 'INVALID_OPTIONS',
        message: 'internal error',
        hint: 'See the server log',
      }),
    );
  });
  app.post(options.path ?? '/', async (req, reply) => {
    const wrongType = checkEnvelopeMediaType(req.headers['content-type']);
    if (wrongType) return sendAnswer(reply, wrongType);
    const body = typeof req.body === 'string' ? req.body : '';
    return sendAnswer(reply, await answerEnvelopeRequest(a.value, body, req, options));
  });
};
