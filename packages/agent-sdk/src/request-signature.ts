/**
 * DID-signed HTTP requests: how an agent proves to a relay or registry that it holds the
 * Ed25519 key of a did:key (relay mailbox pull/ack, self-registration, and later services such
 * as the xpass share fetch). Spec and vectors: docs/formats.md#relay-and-registry-http-api.
 *
 * Signing input (UTF-8, fields joined by "\n"):
 *   "XLINK-REQUEST-SIG-V1" | METHOD (upper case) | path (as sent, query included) | DID
 *   | timestamp (decimal ms) | nonce (base64url of 16 random bytes) | base64url(SHA-256(body))
 * Headers: `x-xlink-did`, `x-xlink-timestamp`, `x-xlink-nonce`, `x-xlink-signature`
 * (base64url Ed25519 signature, 64 bytes).
 *
 * Pitfalls:
 * - The verifier must also record the nonce (atomically, TTL >= 2x window) or a captured request
 *   can be replayed inside the window; {@link verifySignedRequest} only checks, it stores nothing.
 * - The path is signed exactly as the client sent it. A reverse proxy that rewrites paths
 *   (prefix stripping) breaks verification; mount the server at the same path.
 * - The body hash covers the raw bytes: verify against the bytes received, never a re-serialised
 *   JSON object.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { parseDidKey } from './did.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import type { AgentIdentity } from './identity.js';
import { utf8 } from './lib/binary.js';
import { base64urlDecode, base64urlEncode } from './lib/codec.js';

/** Domain-separation label of the request signing input. */
export const REQUEST_SIGNATURE_LABEL = 'XLINK-REQUEST-SIG-V1';
/** Default accepted clock difference of signed requests, ms. */
export const DEFAULT_REQUEST_WINDOW_MS = 30_000;

/** Anything that can sign as a DID: an {@link AgentIdentity} or an agent's signer. */
export interface RequestSigner {
  readonly did: string;
  /** Ed25519 signature (64 bytes) of `message`. */
  sign(message: Uint8Array): Uint8Array;
}

/** The four headers of a signed request (lower-case names). */
export interface SignedRequestHeaders {
  'x-xlink-did': string;
  'x-xlink-timestamp': string;
  'x-xlink-nonce': string;
  'x-xlink-signature': string;
}

/** What gets signed. */
export interface SignedRequestInput {
  /** HTTP method, any case (normalised to upper case). */
  readonly method: string;
  /** Request path as sent, including any query string, e.g. `/relay/did:key:z6Mk.../pull`. */
  readonly path: string;
  /** Raw body bytes or text (empty for none). */
  readonly body?: Uint8Array | string;
}

/**
 * A signer for an identity (the Ed25519 key of its DID).
 * @param identity an {@link AgentIdentity}
 * @returns a {@link RequestSigner}
 */
export function requestSignerFromIdentity(identity: AgentIdentity): RequestSigner {
  return { did: identity.did, sign: (m) => identity.signing.sign(m) };
}

/**
 * The exact bytes a request signature covers (see module doc).
 * @param input method, path, body
 * @param did signer DID
 * @param timestamp ms since the Unix epoch
 * @param nonce base64url nonce text
 * @returns UTF-8 signing input
 */
export function requestSigningInput(
  input: SignedRequestInput,
  did: string,
  timestamp: number,
  nonce: string,
): Uint8Array {
  const body =
    typeof input.body === 'string' ? utf8(input.body) : (input.body ?? new Uint8Array(0));
  return utf8(
    [
      REQUEST_SIGNATURE_LABEL,
      input.method.toUpperCase(),
      input.path,
      did,
      String(timestamp),
      nonce,
      base64urlEncode(backend.sha256(body)),
    ].join('\n'),
  );
}

/**
 * Signs a request as `signer.did`.
 * @param signer the DID key ({@link RequestSigner} or {@link AgentIdentity})
 * @param input method, path (as sent) and raw body
 * @param options `now` (ms, tests), `nonce` (base64url of 16 bytes, tests)
 * @returns the four `x-xlink-*` headers to send
 */
export function signRequest(
  signer: RequestSigner | AgentIdentity,
  input: SignedRequestInput,
  options: { now?: number; nonce?: string } = {},
): SignedRequestHeaders {
  const s: RequestSigner = 'signing' in signer ? requestSignerFromIdentity(signer) : signer;
  const timestamp = options.now ?? Date.now();
  const nonce = options.nonce ?? base64urlEncode(backend.randomBytes(16));
  const sig = s.sign(requestSigningInput(input, s.did, timestamp, nonce));
  return {
    'x-xlink-did': s.did,
    'x-xlink-timestamp': String(timestamp),
    'x-xlink-nonce': nonce,
    'x-xlink-signature': base64urlEncode(sig),
  };
}

/** A verified request signature. */
export interface VerifiedRequest {
  readonly did: string;
  /** ms since the Unix epoch. */
  readonly timestamp: number;
  /** base64url nonce; the caller records it (did + nonce) in a nonce store. */
  readonly nonce: string;
}

/**
 * Verifies a signed request (headers, clock window, Ed25519 signature against the DID's key).
 * Does NOT record the nonce: the caller must (see module pitfalls).
 * @param input method, path (as received), raw body
 * @param headers request headers (lower-case names; string or first of string[])
 * @param options `now` (ms), `windowMs` (default 30 000), `expectedDid` (e.g. the mailbox owner)
 * @returns the signer, or `VERIFICATION_FAILED` (`MISSING_SIGNATURE`, `BAD_REQUEST_SIGNATURE`,
 *   `WRONG_SIGNER`), `TIMESTAMP_EXPIRED` (`STALE`/`FUTURE`), `INVALID_DID`
 */
export function verifySignedRequest(
  input: SignedRequestInput,
  headers: Record<string, string | string[] | undefined>,
  options: { now?: number; windowMs?: number; expectedDid?: string } = {},
): Result<VerifiedRequest, XlinkErrorDetail> {
  const h = (name: keyof SignedRequestHeaders): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const did = h('x-xlink-did');
  const ts = h('x-xlink-timestamp');
  const nonce = h('x-xlink-nonce');
  const sigText = h('x-xlink-signature');
  if (!did || !ts || !nonce || !sigText)
    return xlinkErr(
      'VERIFICATION_FAILED',
      'request is not signed (x-xlink-did, -timestamp, -nonce, -signature required)',
      'Sign the request with signRequest() / agent.signRequest()',
      { subCode: 'MISSING_SIGNATURE' },
    );
  if (options.expectedDid !== undefined && did !== options.expectedDid)
    return xlinkErr(
      'VERIFICATION_FAILED',
      'request is signed by a different DID than the resource owner',
      'Only the owner DID may perform this request',
      { subCode: 'WRONG_SIGNER', field: 'x-xlink-did' },
    );
  const pub = parseDidKey(did);
  if (!pub.ok) return pub;
  if (!/^[0-9]{1,16}$/.test(ts))
    return xlinkErr('VERIFICATION_FAILED', 'bad x-xlink-timestamp', 'Send decimal ms', {
      subCode: 'BAD_REQUEST_SIGNATURE',
      field: 'x-xlink-timestamp',
    });
  const nonceBytes = base64urlDecode(nonce, 16);
  const sig = base64urlDecode(sigText, 64);
  if (nonceBytes?.length !== 16 || sig?.length !== 64)
    return xlinkErr(
      'VERIFICATION_FAILED',
      'x-xlink-nonce must be 16 bytes and x-xlink-signature 64 bytes (base64url)',
      'Use signRequest()',
      { subCode: 'BAD_REQUEST_SIGNATURE' },
    );
  const timestamp = Number(ts);
  const now = options.now ?? Date.now();
  const window = options.windowMs ?? DEFAULT_REQUEST_WINDOW_MS;
  if (timestamp < now - window || timestamp > now + window)
    return xlinkErr(
      'TIMESTAMP_EXPIRED',
      'signed request timestamp outside the accepted window',
      'Check clocks (NTP) and sign each request just before sending it',
      { subCode: timestamp < now ? 'STALE' : 'FUTURE', field: 'x-xlink-timestamp' },
    );
  if (!backend.ed25519Verify(pub.value, requestSigningInput(input, did, timestamp, nonce), sig))
    return xlinkErr(
      'VERIFICATION_FAILED',
      'request signature does not verify against the DID',
      'Sign exactly the method, path and body you send',
      { subCode: 'BAD_REQUEST_SIGNATURE', field: 'x-xlink-signature' },
    );
  return ok({ did, timestamp, nonce });
}
