/**
 * The agent share-fetch protocol: a DID-signed request carrying a fresh random challenge, and a
 * server-signed answer that echoes it. Framework-free; the HTTP server (`POST /shares/fetch`)
 * and `withBilling` both use these functions. Spec: docs/formats.md#xpass ("Share fetch").
 *
 *   request  { v: 1, connectionId, did, epoch | null, challenge (32 hex), ts (Unix ms), signature }
 *            signature = Ed25519 of the DID's key over
 *            UTF-8("xpass/share-request/v1\n" + JSON.stringify([v, connectionId, did, epoch, challenge, ts]))
 *   response { v: 1, connectionId, did, challenge, share (Base45 envelope), status, ts, signature }
 *            signature = billing server Ed25519 over
 *            UTF-8("xpass/share-response/v1\n" + JSON.stringify([v, connectionId, did, challenge, share, status, ts]))
 *
 * Why both: the server accepts a request only with a valid DID signature, a timestamp within
 * ±`windowMs` and a challenge it has not seen (nonce store), so a captured request cannot be
 * replayed; the agent accepts an answer only if it is signed by the pinned server key and
 * echoes the challenge it just generated, so an old "paid" answer recorded before a suspension
 * cannot be replayed to it. The share inside is still checked against the agent's own DID.
 *
 * Pitfall: only Ed25519 `did:key` DIDs can sign requests (the key is read from the DID).
 *
 * @module
 */
import { parseDidKey } from '@xorida/agent-sdk';
import { backend } from '@xorida/agent-sdk/crypto';
import { bytesToHex, hexToBytes, ok, type Result, utf8ToBytes } from 'xorida';
import type { BillingService } from './billing-service.js';
import { checkConnectionId, checkDid } from './connection-id.js';
import { checkEpochWindow } from './epoch.js';
import { type XpassError, xpassErr } from './errors.js';
import {
  shareEnvelopeFromBase45,
  shareEnvelopeToBase45,
  verifyShareSignature,
  type XpassShare,
} from './share-envelope.js';
import type { ConnectionStatus } from './state-machine.js';

/** A signed share request. */
export interface ShareRequest {
  readonly v: 1;
  readonly connectionId: string;
  readonly did: string;
  /** Requested epoch, or null for the current one. */
  readonly epoch: number | null;
  /** 32 hex chars (16 random bytes), fresh per request. */
  readonly challenge: string;
  /** Unix ms. */
  readonly ts: number;
  /** 128 hex chars. */
  readonly signature: string;
}

/** A signed share response. */
export interface ShareResponse {
  readonly v: 1;
  readonly connectionId: string;
  readonly did: string;
  readonly challenge: string;
  /** Base45 share envelope. */
  readonly share: string;
  readonly status: ConnectionStatus;
  /** Unix ms. */
  readonly ts: number;
  /** 128 hex chars. */
  readonly signature: string;
}

/** Minimal nonce store: agent-sdk's `NonceStore` (memory or Redis) satisfies it. */
export interface ChallengeStore {
  checkAndStore(
    key: string,
    ttlMs: number,
  ): Promise<Result<'stored' | 'replay', { code: string; message: string }>>;
}

/** Default accepted clock difference for requests: 30 000 ms. */
export const DEFAULT_REQUEST_WINDOW_MS = 30_000;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX128 = /^[0-9a-f]{128}$/;

function reject(subCode: string, message: string): Result<never, XpassError> {
  return xpassErr('REQUEST_REJECTED', message, { subCode });
}

/** Bytes the agent signs. */
export function shareRequestSigningInput(r: Omit<ShareRequest, 'signature'>): Uint8Array {
  return utf8ToBytes(
    `xpass/share-request/v1\n${JSON.stringify([r.v, r.connectionId, r.did, r.epoch, r.challenge, r.ts])}`,
  );
}

/** Bytes the server signs. */
export function shareResponseSigningInput(r: Omit<ShareResponse, 'signature'>): Uint8Array {
  return utf8ToBytes(
    `xpass/share-response/v1\n${JSON.stringify([r.v, r.connectionId, r.did, r.challenge, r.share, r.status, r.ts])}`,
  );
}

/**
 * Builds a signed share request (agent side).
 * @param input `{ connectionId, did, sign, epoch?, now? }`: `sign` is the Ed25519 signing
 *   function of the DID's key (e.g. agent-sdk `identity.signing.sign`), `now` Unix ms
 * @returns the request and its challenge (keep it for {@link openShareResponse}), or `INVALID_INPUT`
 */
export function createShareRequest(input: {
  connectionId: string;
  did: string;
  sign: (message: Uint8Array) => Uint8Array;
  epoch?: number;
  now?: number;
}): Result<{ request: ShareRequest; challenge: string }, XpassError> {
  const id = checkConnectionId(input.connectionId);
  if (!id.ok) return id;
  const d = checkDid(input.did);
  if (!d.ok) return d;
  if (
    input.epoch !== undefined &&
    (!Number.isInteger(input.epoch) || input.epoch < 0 || input.epoch > 0xffff_ffff)
  )
    return xpassErr('INVALID_INPUT', 'epoch must be a uint32', { field: 'epoch' });
  const body = {
    v: 1 as const,
    connectionId: input.connectionId,
    did: input.did,
    epoch: input.epoch ?? null,
    challenge: bytesToHex(backend.randomBytes(16)),
    ts: input.now ?? Date.now(),
  };
  const signature = bytesToHex(input.sign(shareRequestSigningInput(body)));
  return ok({ request: { ...body, signature }, challenge: body.challenge });
}

/**
 * Strictly parses a request body (server side).
 * @returns the request or `REQUEST_REJECTED:MALFORMED`
 */
export function parseShareRequest(value: unknown): Result<ShareRequest, XpassError> {
  const o = value as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || Array.isArray(o) || Object.keys(o).length !== 7)
    return reject(
      'MALFORMED',
      'share request must have exactly v, connectionId, did, epoch, challenge, ts, signature',
    );
  if (o.v !== 1) return reject('MALFORMED', 'unsupported request version');
  if (!checkConnectionId(o.connectionId).ok || !checkDid(o.did).ok)
    return reject('MALFORMED', 'bad connectionId or did');
  if (
    !(
      o.epoch === null ||
      (Number.isInteger(o.epoch) && (o.epoch as number) >= 0 && (o.epoch as number) <= 0xffff_ffff)
    )
  )
    return reject('MALFORMED', 'bad epoch');
  if (typeof o.challenge !== 'string' || !HEX32.test(o.challenge))
    return reject('MALFORMED', 'challenge must be 32 lowercase hex chars');
  if (!Number.isSafeInteger(o.ts) || (o.ts as number) < 0)
    return reject('MALFORMED', 'ts must be Unix ms');
  if (typeof o.signature !== 'string' || !HEX128.test(o.signature))
    return reject('MALFORMED', 'signature must be 128 lowercase hex chars');
  return ok(o as unknown as ShareRequest);
}

/**
 * Server side: authenticates a share request and, if the connection is paid, issues the share
 * in a signed response.
 * @param service the billing service
 * @param body the parsed JSON body
 * @param options `{ challenges, windowMs? }`: a nonce store shared by all server replicas
 * @returns the signed response, or `REQUEST_REJECTED` (`MALFORMED`, `UNSUPPORTED_DID`,
 *   `BAD_SIGNATURE`, `STALE`, `REPLAYED`, `NOT_A_PARTY`), `RATE_LIMITED` is the caller's job,
 *   or any error of `BillingService.issueShare`
 */
export async function handleShareRequest(
  service: BillingService,
  body: unknown,
  options: {
    challenges: ChallengeStore;
    windowMs?: number;
    /** Rate limit of the VERIFIED DID, called after signature, time and replay checks. */
    limit?: (did: string) => Promise<Result<unknown, XpassError>>;
  },
): Promise<Result<ShareResponse, XpassError>> {
  const p = parseShareRequest(body);
  if (!p.ok) return p;
  const req = p.value;
  const key = parseDidKey(req.did);
  if (!key.ok) return reject('UNSUPPORTED_DID', 'share requests must come from an Ed25519 did:key');
  const { signature, ...unsigned } = req;
  if (!backend.ed25519Verify(key.value, shareRequestSigningInput(unsigned), hexToBytes(signature)))
    return reject('BAD_SIGNATURE', 'the request is not signed by the key of its DID');
  const now = service.now();
  const windowMs = options.windowMs ?? DEFAULT_REQUEST_WINDOW_MS;
  if (Math.abs(now - req.ts) > windowMs)
    return reject('STALE', `request time is more than ${windowMs} ms from the server clock`);
  let seen: Awaited<ReturnType<ChallengeStore['checkAndStore']>>;
  try {
    seen = await options.challenges.checkAndStore(
      `xpass-share:${req.did}:${req.challenge}`,
      2 * windowMs,
    );
  } catch (e) {
    return xpassErr(
      'STORE_FAILED',
      `challenge store failed: ${(e as Error)?.message ?? String(e)}`,
    );
  }
  if (!seen.ok) return xpassErr('STORE_FAILED', `challenge store: ${seen.error.message}`);
  if (seen.value === 'replay') return reject('REPLAYED', 'this challenge was already used');
  if (options.limit) {
    const allowed = await options.limit(req.did);
    if (!allowed.ok) return allowed;
  }
  const share = await service.issueShare(
    req.connectionId,
    req.did,
    req.epoch === null ? {} : { epoch: req.epoch },
  );
  if (!share.ok) return share;
  const billing = await service.checkBilling(req.connectionId);
  if (!billing.ok) return billing;
  const status = billing.value.status;
  const resp = {
    v: 1 as const,
    connectionId: req.connectionId,
    did: req.did,
    challenge: req.challenge,
    share: shareEnvelopeToBase45(share.value),
    status,
    ts: now,
  };
  return ok({ ...resp, signature: bytesToHex(service.signBytes(shareResponseSigningInput(resp))) });
}

/**
 * Agent side: checks a response and returns the share.
 * @param value the parsed JSON response
 * @param expect `{ serverPublicKey, did, connectionId, challenge, now? }`
 * @returns the share (signature verified for `did`, epoch window valid), or `REQUEST_REJECTED`
 *   (`MALFORMED`, `BAD_SIGNATURE`, `CHALLENGE_MISMATCH`: a replayed or foreign answer),
 *   `HMAC_VERIFICATION_FAILED`, `SHARE_INVALID`, `EPOCH_EXPIRED`, `EPOCH_NOT_READY`
 */
export function openShareResponse(
  value: unknown,
  expect: {
    serverPublicKey: Uint8Array;
    did: string;
    connectionId: string;
    challenge: string;
    now?: number;
  },
): Result<XpassShare, XpassError> {
  const o = value as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || Object.keys(o).length !== 8 || o.v !== 1)
    return reject('MALFORMED', 'not a share response');
  if (
    typeof o.share !== 'string' ||
    typeof o.signature !== 'string' ||
    !HEX128.test(o.signature) ||
    !Number.isSafeInteger(o.ts) ||
    typeof o.status !== 'string'
  )
    return reject('MALFORMED', 'share response fields have wrong types');
  const r = o as unknown as ShareResponse;
  const { signature, ...unsigned } = r;
  if (
    !backend.ed25519Verify(
      expect.serverPublicKey,
      shareResponseSigningInput(unsigned),
      hexToBytes(signature),
    )
  )
    return reject('BAD_SIGNATURE', 'the response is not signed by the billing server');
  if (
    r.challenge !== expect.challenge ||
    r.did !== expect.did ||
    r.connectionId !== expect.connectionId
  )
    return reject(
      'CHALLENGE_MISMATCH',
      'the response answers another request (replayed or misrouted)',
    );
  const share = shareEnvelopeFromBase45(r.share);
  if (!share.ok) return share;
  if (share.value.connectionId !== expect.connectionId)
    return xpassErr('RECONSTRUCTION_FAILED', 'the share belongs to another connection', {
      subCode: 'CONNECTION_MISMATCH',
    });
  const sig = verifyShareSignature(share.value, expect.serverPublicKey, expect.did);
  if (!sig.ok) return sig;
  const w = checkEpochWindow(share.value.epoch, share.value, expect.now ?? Date.now());
  if (!w.ok) return w;
  return ok(share.value);
}
