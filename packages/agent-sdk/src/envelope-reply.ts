/**
 * Request and reply over envelopes: the receiver answers a verified request with a sealed,
 * signed envelope to the request's sender, bound to the request by its nonce; the sender
 * verifies that reply with its own `agent.receive()`.
 *
 * Reply payload (a plain envelope payload, so docs/formats.md#envelope is unchanged):
 *   `{ "inReplyTo": "<base64url nonce of the request envelope>", "body": { ... } }`
 * The requester accepts a reply only when the envelope verifies (signature, registry, scope,
 * replay, time), its sender is the DID the request went to, and `inReplyTo` is the nonce of the
 * request it sent. That binding stops a captured reply to another request being substituted.
 *
 * Sealing without delivering: replies travel back in the HTTP response, not through the
 * agent's transport, so a seal-only copy of the agent (same identity, registry and versions,
 * a transport that delivers nothing) runs the ordinary `send` pipeline and its receipt's
 * envelope is the answer. Requests and replies are always one envelope (`security:
 * 'standard'`): an HTTP exchange is one channel, so splitting it would add no independence.
 *
 * Pitfalls:
 * - The reply scope must be granted to the REPLYING agent in the registry and accepted by the
 *   requester, or the requester's `receive` answers `SCOPE_DENIED`.
 * - Bodies are JSON objects (the envelope payload rules, at most the agent's payload limit).
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { Agent } from './agent.js';
import { ENVELOPE_MEDIA_TYPE, type EnvelopeJson } from './envelope.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { checkBaseUrl } from './https-transport.js';
import { importIdentityExport } from './identity.js';
import type { TransportAdapter } from './transport.js';

/** A verified message as `agent.receive()` returns it (not a pending share group). */
export type ReceivedMessage = Exclude<
  Extract<Awaited<ReturnType<Agent['receive']>>, { ok: true }>['value'],
  { status: 'pending' }
>;

/** What a requester gets back: the verified reply envelope and its body. */
export interface VerifiedReply {
  /** The reply as `agent.receive()` verified it (sender, scope, timestamp, nonce...). */
  readonly message: ReceivedMessage;
  /** The replier's answer. */
  readonly body: Record<string, unknown>;
  /** Nonce of the request this answers (base64url). */
  readonly inReplyTo: string;
}

/** The request a reply answers: its sender, nonce and scope. */
export interface RepliedRequest {
  readonly sender: string;
  readonly nonce: string;
  readonly scope: string;
}

const SEAL_ONLY: TransportAdapter = { send: async () => ok(undefined) };
const sealers = new WeakMap<Agent, Agent>();

/**
 * Checks that `value` is an `Agent` (not an identity, key document or options object).
 * @param value what the caller passed
 * @param field option name reported in the error
 * @returns the agent, or `INVALID_OPTIONS` naming `field`
 */
export function checkAgent(value: unknown, field = 'agent'): Result<Agent, XlinkErrorDetail> {
  // Structural, not `instanceof`: the ESM and CJS builds (and the `./node` entry's bundle) may
  // each carry their own copy of the class.
  const v = value as Partial<Agent> | null | undefined;
  if (
    typeof v === 'object' &&
    v !== null &&
    typeof v.did === 'string' &&
    typeof v.send === 'function' &&
    typeof v.receive === 'function' &&
    typeof v.exportIdentity === 'function' &&
    typeof v.registry?.resolve === 'function'
  )
    return ok(value as Agent);
  const looksLikeIdentity =
    typeof value === 'object' && value !== null && 'did' in value && !('receive' in value);
  return xlinkErr(
    'INVALID_OPTIONS',
    looksLikeIdentity
      ? `${field} is an identity, not an Agent`
      : `${field} must be an Agent (from Agent.create / Agent.importIdentity)`,
    'Build the agent first: await Agent.importIdentity({ identity, registry, transport })',
    { field },
  );
}

function sealerFor(agent: Agent): Result<Agent, XlinkErrorDetail> {
  const cached = sealers.get(agent);
  if (cached) return ok(cached);
  const identity = importIdentityExport(agent.exportIdentity());
  if (!identity.ok) return identity;
  const sealer = Agent.fromParts({
    identity: identity.value,
    registry: agent.registry,
    transport: SEAL_ONLY,
    versions: agent.versions,
    logger: {},
  });
  sealers.set(agent, sealer);
  return ok(sealer);
}

/**
 * Seals one envelope from `agent` to `to` without delivering it (the caller carries it, e.g. in
 * an HTTP body). Runs the agent's ordinary send pipeline with `security: 'standard'`.
 * @param agent the sending agent
 * @param message `to` (DID), `payload` (JSON object or bytes), `scope`
 * @returns the envelope JSON form, or the errors of `agent.send` (`INVALID_SCOPE`,
 *   `DID_NOT_IN_REGISTRY`, `PAYLOAD_TOO_LARGE`, ...) and `INVALID_OPTIONS` (field `agent`)
 */
export async function sealEnvelope(
  agent: Agent,
  message: { to: string; payload: Record<string, unknown> | Uint8Array; scope: string },
): Promise<Result<EnvelopeJson, XlinkErrorDetail>> {
  const a = checkAgent(agent);
  if (!a.ok) return a;
  const sealer = sealerFor(a.value);
  if (!sealer.ok) return sealer;
  const sent = await sealer.value.send({ ...message, security: 'standard' });
  if (!sent.ok) return sent;
  return ok(sent.value.envelope);
}

/**
 * Seals the reply to a verified request (see module doc for the payload).
 * @param agent the replying agent (the request's recipient)
 * @param request the verified request (`req.agentMessage`, or the message an adapter passed)
 * @param body the answer, a JSON object
 * @param options `scope` of the reply (default: the request's scope)
 * @returns the reply envelope JSON form, or `INVALID_PAYLOAD` (field `body`) and the errors of
 *   {@link sealEnvelope}
 */
export async function sealReply(
  agent: Agent,
  request: RepliedRequest,
  body: Record<string, unknown>,
  options: { scope?: string } = {},
): Promise<Result<EnvelopeJson, XlinkErrorDetail>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return xlinkErr('INVALID_PAYLOAD', 'reply body must be a JSON object', 'Reply with { ... }', {
      field: 'body',
    });
  if (typeof request?.sender !== 'string' || typeof request.nonce !== 'string')
    return xlinkErr(
      'INVALID_OPTIONS',
      'request must be a verified message (sender, nonce, scope)',
      'Pass the message agent.receive() or the adapter gave you',
      { field: 'request' },
    );
  return sealEnvelope(agent, {
    to: request.sender,
    payload: { inReplyTo: request.nonce, body },
    scope: options.scope ?? request.scope,
  });
}

/**
 * Verifies a reply envelope with the requester's own pipeline and checks its binding.
 * @param agent the requesting agent
 * @param request `to` (the DID the request went to) and `nonce` (of the request envelope)
 * @param input the reply envelope (JSON object, JSON text or compact form)
 * @returns the {@link VerifiedReply}; the errors of `agent.receive`; or `VERIFICATION_FAILED`
 *   with subCode `REPLY_SENDER` (signed by another DID), `REPLY_MISMATCH` (not bound to this
 *   request, or not a reply payload)
 */
export async function openReply(
  agent: Agent,
  request: { to: string; nonce: string },
  input: unknown,
): Promise<Result<VerifiedReply, XlinkErrorDetail>> {
  const a = checkAgent(agent);
  if (!a.ok) return a;
  const r = await a.value.receive(input);
  if (!r.ok) return r;
  if (r.value.status === 'pending')
    return xlinkErr('VERIFICATION_FAILED', 'a reply is one envelope', 'Reply unsplit', {
      subCode: 'REPLY_MISMATCH',
    });
  const message = r.value as ReceivedMessage;
  if (message.sender !== request.to)
    return xlinkErr(
      'VERIFICATION_FAILED',
      'the reply is signed by another DID than the request went to',
      'Treat it as forged',
      { subCode: 'REPLY_SENDER' },
    );
  const p = message.payload;
  const bound =
    !(p instanceof Uint8Array) &&
    p.inReplyTo === request.nonce &&
    typeof p.body === 'object' &&
    p.body !== null &&
    !Array.isArray(p.body);
  if (!bound)
    return xlinkErr(
      'VERIFICATION_FAILED',
      'the reply does not answer this request',
      'Treat it as forged or misrouted',
      { subCode: 'REPLY_MISMATCH' },
    );
  const payload = p as { inReplyTo: string; body: Record<string, unknown> };
  return ok({ message, body: payload.body, inReplyTo: payload.inReplyTo });
}

/** Options of {@link requestReply}. */
export interface RequestReplyOptions {
  /** The peer's endpoint (served by an xlink adapter), e.g. `https://billing.example/xlink`. */
  readonly url: string;
  /** The peer's DID. */
  readonly to: string;
  /** Request body (JSON object or bytes). */
  readonly payload: Record<string, unknown> | Uint8Array;
  readonly scope: string;
  /** Extra request headers (e.g. a gateway token). */
  readonly headers?: Record<string, string>;
  /** Whole exchange, ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Allow `http:` to non-loopback hosts (default false). */
  readonly allowInsecureHttp?: boolean;
  /** The fetch to use (default `globalThis.fetch`). */
  readonly fetch?: typeof fetch;
}

/**
 * Sends one request envelope to a peer's endpoint and returns its verified reply.
 * @param agent the requesting agent
 * @param options {@link RequestReplyOptions}
 * @returns the {@link VerifiedReply}; `SEND_FAILED` (subCode = the peer's error code, or
 *   `HTTP_<status>`, or `NO_REPLY` when it answered 2xx without an envelope); `NETWORK_ERROR`
 *   (`TIMEOUT`, `UNREACHABLE`); `INVALID_OPTIONS` (field `url`, `agent`); and the errors of
 *   {@link sealEnvelope} and {@link openReply}
 */
export async function requestReply(
  agent: Agent,
  options: RequestReplyOptions,
): Promise<Result<VerifiedReply, XlinkErrorDetail>> {
  const url = checkBaseUrl(options?.url, options?.allowInsecureHttp);
  if (!url.ok)
    return xlinkErr('INVALID_OPTIONS', url.error.message, url.error.hint, { field: 'url' });
  const sealed = await sealEnvelope(agent, options);
  if (!sealed.ok) return sealed;
  const doFetch = options.fetch ?? globalThis.fetch;
  let res: Response;
  let text: string;
  try {
    res = await doFetch(options.url, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': ENVELOPE_MEDIA_TYPE },
      body: JSON.stringify(sealed.value),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    text = await res.text();
  } catch (e) {
    const timeout = (e as Error)?.name === 'TimeoutError';
    return xlinkErr(
      'NETWORK_ERROR',
      timeout ? 'the peer did not answer in time' : 'the peer could not be reached',
      'Check the URL and that the peer is up',
      { subCode: timeout ? 'TIMEOUT' : 'UNREACHABLE', field: 'url' },
    );
  }
  const type = res.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (!res.ok || type !== ENVELOPE_MEDIA_TYPE) {
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { error?: { code?: unknown } })?.error?.code as string;
    } catch {
      code = undefined;
    }
    return xlinkErr(
      'SEND_FAILED',
      `the peer answered ${res.status} without a reply envelope`,
      res.ok ? 'The peer must answer with a sealed reply' : 'Fix the request (see the subCode)',
      { subCode: typeof code === 'string' ? code : res.ok ? 'NO_REPLY' : `HTTP_${res.status}` },
    );
  }
  return openReply(agent, { to: options.to, nonce: sealed.value.nonce }, text);
}
