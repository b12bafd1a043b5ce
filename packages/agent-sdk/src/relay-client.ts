/**
 * `RelayClient`: the mailbox owner's side of the relay (pull and ack with DID-signed requests,
 * see request-signature.ts). Used by `agent.listen()`; usable alone.
 *
 * Routes: `POST {baseUrl}/relay/{did}/pull` body `{"limit":n,"waitMs":ms}` ->
 * `{"messages":[{id, envelope, receivedAt, expiresAt, deliveries}]}`;
 * `POST {baseUrl}/relay/{did}/ack` body `{"ids":[...], "rejected"?:[{id, code, subCode?, message?}]}`
 * -> `{"acked":n}`; `POST {baseUrl}/relay/{did}/dead-letters` -> `{"deadLetters":[...]}`;
 * `GET {baseUrl}/relay/key` -> `{"did"}` (the relay's deposit-receipt key).
 *
 * Pitfalls:
 * - Pulled messages are NOT removed: ack them after processing, or they come back
 *   (at-least-once). Ack only what you processed.
 * - Envelopes from the relay are untrusted input: run `agent.receive()` on each.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { checkBaseUrl } from './https-transport.js';
import type { AgentIdentity } from './identity.js';
import {
  describeHttpError,
  type HttpCallPolicy,
  httpCall,
  httpErrorCode,
} from './lib/http-call.js';
import { type RequestSigner, requestSignerFromIdentity, signRequest } from './request-signature.js';
import { sizeLimits, transferTimeoutMs } from './size-policy.js';

/** One stored message as the relay hands it out. */
export interface RelayMessage {
  /** Relay-assigned id (opaque, <= 64 chars). */
  readonly id: string;
  /** The envelope JSON form, unverified. */
  readonly envelope: unknown;
  /** When the relay stored it, ms since the Unix epoch. */
  readonly receivedAt: number;
  /** When the relay drops it, ms since the Unix epoch. */
  readonly expiresAt: number;
  /** How many times it has been handed out, this time included. */
  readonly deliveries: number;
  /** The relay's signed deposit receipt (relay-receipt.ts), unverified; absent without a relay key. */
  readonly receipt?: unknown;
}

/** A permanent rejection reported with an ack (kept in the relay's dead-letter list). */
export interface RelayRejection {
  readonly id: string;
  readonly code: string;
  readonly subCode?: string;
  readonly message?: string;
}

/** Options of {@link RelayClient}. */
export interface RelayClientOptions extends Omit<HttpCallPolicy, 'signal'> {
  readonly baseUrl: string;
  /** The mailbox owner's signer: `agent.requestSigner()` or an AgentIdentity. */
  readonly signer: RequestSigner | AgentIdentity;
  readonly allowInsecureHttp?: boolean;
  /**
   * The mailbox owner's payload limit, bytes (its agent's `maxPayloadBytes`; default 16 MiB):
   * the largest pull answer accepted derives from it (size-policy.ts `sizeLimits`, one envelope
   * of that size plus its receipt). An explicit `maxResponseBytes` wins.
   */
  readonly maxPayloadBytes?: number;
}

function parseMessages(json: unknown): RelayMessage[] | null {
  const list = (json as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(list)) return null;
  const out: RelayMessage[] = [];
  for (const m of list) {
    if (typeof m !== 'object' || m === null) return null;
    const r = m as Record<string, unknown>;
    if (
      typeof r.id !== 'string' ||
      r.id.length > 64 ||
      typeof r.receivedAt !== 'number' ||
      typeof r.expiresAt !== 'number' ||
      typeof r.deliveries !== 'number'
    )
      return null;
    out.push({
      id: r.id,
      envelope: r.envelope,
      receivedAt: r.receivedAt,
      expiresAt: r.expiresAt,
      deliveries: r.deliveries,
      ...(r.receipt !== undefined ? { receipt: r.receipt } : {}),
    });
  }
  return out;
}

/** Pulls and acks the signer's relay mailbox. */
export class RelayClient {
  readonly baseUrl: string;
  readonly did: string;
  private readonly opts: RelayClientOptions;
  private readonly signer: RequestSigner;
  /** Largest answer read, bytes (see {@link RelayClientOptions.maxPayloadBytes}). */
  private readonly maxResponseBytes: number;

  /**
   * @param options base URL, signer, retry policy (timeouts in ms)
   * @throws TypeError on an invalid base URL or missing signer (programming errors)
   */
  constructor(options: RelayClientOptions) {
    const base = checkBaseUrl(options?.baseUrl, options?.allowInsecureHttp);
    if (!base.ok) throw new TypeError(`${base.error.code}: ${base.error.message}`);
    const s = options.signer;
    this.signer = s && 'signing' in s ? requestSignerFromIdentity(s) : (s as RequestSigner);
    if (!this.signer || typeof this.signer.sign !== 'function')
      throw new TypeError('signer required');
    this.baseUrl = base.value;
    this.did = this.signer.did;
    this.opts = options;
    this.maxResponseBytes =
      options.maxResponseBytes ?? sizeLimits(options.maxPayloadBytes).maxResponseBytes;
  }

  private async signedPost(
    suffix: 'pull' | 'ack' | 'dead-letters',
    payload: unknown,
    signal?: AbortSignal,
    waitMs = 0,
  ): Promise<Result<unknown, XlinkErrorDetail>> {
    const u = new URL(`${this.baseUrl}/relay/${encodeURIComponent(this.did)}/${suffix}`);
    const path = u.pathname;
    const body = JSON.stringify(payload);
    const r = await httpCall(
      () => ({
        url: u.toString(),
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signRequest(this.signer, { method: 'POST', path, body }),
        },
        body,
      }),
      {
        ...this.opts,
        // one pull answer carries up to one full-size envelope (size-policy.ts)
        maxResponseBytes: this.maxResponseBytes,
        // a long-poll legitimately takes up to waitMs: never time it out before that
        // and an answer may carry a maximum-size envelope (size-policy.ts)
        timeoutMs: transferTimeoutMs(
          Math.max(this.opts.timeoutMs ?? 10_000, waitMs + 5_000),
          suffix === 'pull' ? this.maxResponseBytes : body.length,
        ),
        ...(signal ? { signal } : {}),
      },
    );
    if (!r.ok) return r;
    if (r.value.status === 200) return ok(r.value.json);
    const code = httpErrorCode(r.value.json);
    return xlinkErr(
      'SEND_FAILED',
      `relay ${suffix} refused: ${describeHttpError(r.value.status, r.value.json)}`,
      r.value.status === 401 || r.value.status === 403
        ? 'Only the mailbox owner can pull; check the signer and clocks'
        : 'See the subCode',
      { subCode: code.code ?? `HTTP_${r.value.status}` },
    );
  }

  /**
   * Fetches up to `limit` unacked messages (oldest first).
   * @param options `limit` (1..500, default 100), `waitMs` long-poll wait when the mailbox is
   *   empty (0..25 000 ms, default 0), `signal`
   * @returns the messages, or `SEND_FAILED` (server refusal, e.g. `VERIFICATION_FAILED`),
   *   `NETWORK_ERROR`, `LOOKUP_FAILED` (`MALFORMED_RESPONSE`)
   */
  async pull(
    options: { limit?: number; waitMs?: number; signal?: AbortSignal } = {},
  ): Promise<Result<RelayMessage[], XlinkErrorDetail>> {
    const r = await this.signedPost(
      'pull',
      { limit: options.limit ?? 100, waitMs: options.waitMs ?? 0 },
      options.signal,
      options.waitMs ?? 0,
    );
    if (!r.ok) return r;
    const msgs = parseMessages(r.value);
    if (!msgs)
      return xlinkErr('LOOKUP_FAILED', 'relay answered a malformed pull', 'Check the relay URL', {
        subCode: 'MALFORMED_RESPONSE',
      });
    return ok(msgs);
  }

  /**
   * Acknowledges (deletes) delivered messages.
   * @param ids message ids from {@link pull} (at most 500)
   * @returns how many were removed (already-acked ids count 0), or as {@link pull}
   */
  async ack(
    ids: readonly string[],
    signal?: AbortSignal,
    rejected: readonly RelayRejection[] = [],
  ): Promise<Result<number, XlinkErrorDetail>> {
    const body = rejected.length ? { ids, rejected } : { ids };
    const r = await this.signedPost('ack', body, signal);
    if (!r.ok) return r;
    const n = (r.value as { acked?: unknown } | undefined)?.acked;
    if (typeof n !== 'number')
      return xlinkErr('LOOKUP_FAILED', 'relay answered a malformed ack', 'Check the relay URL', {
        subCode: 'MALFORMED_RESPONSE',
      });
    return ok(n);
  }

  /**
   * The mailbox's dead-letter list: permanent rejections reported with acks, kept for the TTL.
   * @returns `[{id, code, subCode?, message?, rejectedAt, expiresAt}]` (ms), or as {@link pull}
   */
  async deadLetters(signal?: AbortSignal): Promise<Result<unknown[], XlinkErrorDetail>> {
    const r = await this.signedPost('dead-letters', {}, signal);
    if (!r.ok) return r;
    const list = (r.value as { deadLetters?: unknown } | undefined)?.deadLetters;
    if (!Array.isArray(list))
      return xlinkErr('LOOKUP_FAILED', 'relay answered a malformed list', 'Check the relay URL', {
        subCode: 'MALFORMED_RESPONSE',
      });
    return ok(list);
  }

  /**
   * The relay's deposit-receipt key. Trusting it means trusting whoever answers at `baseUrl`
   * (use HTTPS, or pin the DID instead: docs/formats.md#relay-deposit-receipt).
   * @returns the relay did:key, or `LOOKUP_FAILED` (`NO_RECEIPT_KEY` when the relay signs none)
   */
  async relayKey(signal?: AbortSignal): Promise<Result<string, XlinkErrorDetail>> {
    const r = await httpCall(() => ({ url: `${this.baseUrl}/relay/key`, method: 'GET' }), {
      ...this.opts,
      ...(signal ? { signal } : {}),
    });
    if (!r.ok) return r;
    const did = (r.value.json as { did?: unknown } | undefined)?.did;
    if (r.value.status !== 200 || typeof did !== 'string' || !did.startsWith('did:key:'))
      return xlinkErr('LOOKUP_FAILED', 'relay publishes no receipt key', 'Pin the relay DID', {
        subCode: 'NO_RECEIPT_KEY',
      });
    return ok(did);
  }
}
