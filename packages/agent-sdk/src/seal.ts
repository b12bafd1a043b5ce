/**
 * Creating envelopes: v1 (ephemeral X25519 ECDH), v2 (X-Wing encapsulation), v3 (v2 plus an
 * ML-DSA-65 signature), and signed-only envelopes. Key schedule:
 *   key = HKDF-SHA256(ikm = shared secret, salt = nonce, info = label [| extra], L = 32)
 *   v1 label "xlink/v1/aead-key", extra = ephemeral public key | recipient X25519 public key
 *   v2 label "xlink/v2/aead-key", v3 label "xlink/v3/aead-key" (X-Wing already binds its
 *   ciphertext and the recipient key into the shared secret)
 *   ciphertext = AES-256-GCM(key, iv (12 random bytes), plaintext,
 *                            aad = encoded header with the timestamp zeroed)
 *   timestamp  = the sender's clock read once the plaintext is encrypted, then signed with
 *                the rest of the header (issue 14: encryption time does not age a message)
 *
 * Pitfalls:
 * - A fresh ephemeral key / encapsulation per envelope gives sender-side forward secrecy only:
 *   anyone who later steals the RECIPIENT's static key can decrypt recorded envelopes.
 * - `random` injection exists for known-answer vectors; never pass fixed randomness in
 *   production.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { didFromEd25519PublicKey, parseDidKey } from './did.js';
import {
  ALG_OF_VERSION,
  type Envelope,
  type EnvelopeHeader,
  encodeEnvelopeHeader,
  envelopeSigningInput,
  IV_LENGTH,
  isValidScope,
  NONCE_LENGTH,
  SIGNED_ONLY_ALG,
  SIGNING_HEADROOM,
  signingInputOver,
  signingPrefixLength,
  withSigningRoom,
} from './envelope.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import type { AgentIdentity } from './identity.js';
import type { EnvelopeVersion, KeyDocument } from './key-document.js';
import { utf8 } from './lib/binary.js';
import { mldsaSign } from './lib/mldsa.js';
import { xwingEncapsulate } from './lib/xwing.js';

/** Deterministic randomness for tests and known-answer vectors only. */
export interface InjectedRandomness {
  /** 16-byte nonce. */
  readonly nonce?: Uint8Array;
  /** 12-byte AES-GCM IV. */
  readonly iv?: Uint8Array;
  /** v1: 32-byte ephemeral X25519 private key; v2/v3: 64-byte X-Wing encapsulation seed. */
  readonly kemSeed?: Uint8Array;
}

/** Inputs of {@link createEnvelope}. */
export interface CreateEnvelopeInput {
  readonly sender: AgentIdentity;
  /** The recipient's VERIFIED key document (see verifyKeyDocument). */
  readonly recipient: KeyDocument;
  readonly version: EnvelopeVersion;
  readonly scope: string;
  /** Encoded plaintext (see encodePayload). */
  readonly plaintext: Uint8Array;
  /**
   * A fixed timestamp, ms since the epoch (known-answer tests). Default: `now()` read after
   * encryption, right before signing.
   */
  readonly timestamp?: number;
  /** The sender's clock, ms since the epoch, read after encryption; default `Date.now`. */
  readonly now?: () => number;
  /** Tests only. */
  readonly random?: InjectedRandomness;
  /**
   * The caller gives `plaintext` up: it is encrypted over itself (and lost) when its buffer has
   * `SEAL_ROOM` around it (`encodePayload(..., SEAL_ROOM)`), else copied as usual.
   */
  readonly sealInPlace?: boolean;
  /**
   * Receives a copy of the envelope's AES-256-GCM key (the caller wipes it), for a sender that
   * decrypts its own ciphertext back in place after sending (split-channel/send-overlay.ts).
   */
  readonly onKey?: (key: Uint8Array) => void;
  /** Called between encryption and signing (progress reporting). */
  readonly onEncrypted?: () => void | Promise<void>;
}

/**
 * Room an encoded plaintext needs around it to be sealed in place (`sealInPlace`): the signing
 * prefix in front, the AES-GCM tag behind. The send path encodes payloads with it, so a large
 * message exists as plaintext or ciphertext, never both (test/delivery/memory.test.ts).
 */
export const SEAL_ROOM = { front: SIGNING_HEADROOM, back: 16 } as const;

/**
 * A timestamp (given, or read from the clock) must be a whole, non-negative number of ms (u64 on
 * the wire).
 */
function checkTimestamp(
  timestamp: number | undefined,
  now: () => number = Date.now,
): Result<number, XlinkErrorDetail> {
  const t = timestamp ?? now();
  if (!Number.isSafeInteger(t) || t < 0)
    return xlinkErr(
      'INVALID_OPTIONS',
      'timestamp must be a non-negative integer (ms)',
      'Omit it to use Date.now()',
      {
        field: 'timestamp',
      },
    );
  return ok(t);
}

/** HKDF labels of the envelope key schedule. */
export const ENVELOPE_KEY_LABELS = {
  1: 'xlink/v1/aead-key',
  2: 'xlink/v2/aead-key',
  3: 'xlink/v3/aead-key',
} as const;

/**
 * Derives the AES-256 key of an envelope (see module doc).
 * @internal shared by seal and open
 */
export function deriveEnvelopeKey(
  version: EnvelopeVersion,
  shared: Uint8Array,
  nonce: Uint8Array,
  kem: Uint8Array,
  recipientX25519: Uint8Array | undefined,
): Uint8Array {
  const label = utf8(ENVELOPE_KEY_LABELS[version]);
  let info = label;
  if (version === 1 && recipientX25519) {
    info = new Uint8Array(label.length + 64);
    info.set(label, 0);
    info.set(kem, label.length);
    info.set(recipientX25519, label.length + 32);
  }
  return backend.hkdfSha256(shared, nonce, info, 32);
}

/** `given` after a length check, else `drawn` (default: n fresh bytes). */
function pick(given: Uint8Array | undefined, n: number, drawn?: Uint8Array): Uint8Array {
  if (given === undefined) return drawn ?? backend.randomBytes(n);
  if (given.length !== n) throw new RangeError(`injected randomness must be ${n} bytes`);
  return given;
}

/**
 * Encrypts and signs an envelope for one recipient.
 * @param input sender identity, recipient key document, version, scope, plaintext
 * @returns the envelope, or `INVALID_SCOPE`, `VERSION_NEGOTIATION_FAILED` (recipient lacks the
 *   version's key), `ECDH_FAILED`, `KEM_FAILED`, `INVALID_OPTIONS` (v3 without ML-DSA key;
 *   a timestamp or clock reading that is not a non-negative integer)
 * @see docs/formats.md#envelope
 */
export async function createEnvelope(
  input: CreateEnvelopeInput,
): Promise<Result<Envelope, XlinkErrorDetail>> {
  const { sender, recipient, version, scope } = input;
  if (input.timestamp !== undefined) {
    const ts = checkTimestamp(input.timestamp);
    if (!ts.ok) return ts;
  }
  if (!isValidScope(scope))
    return xlinkErr(
      'INVALID_SCOPE',
      'scope must be 1..128 printable ASCII characters',
      'Use e.g. "payments:notify"',
      { field: 'scope' },
    );
  if (version === 3 && !sender.mldsa)
    return xlinkErr(
      'INVALID_OPTIONS',
      'v3 needs an ML-DSA-65 key',
      'Create the agent with postQuantumSig: true',
      { field: 'version' },
    );
  if (!recipient.versions.includes(version))
    return xlinkErr(
      'VERSION_NEGOTIATION_FAILED',
      `recipient does not support v${version}`,
      'Let the agent negotiate the version',
      { field: 'version' },
    );
  // One CSPRNG call for the nonce, the IV and (v1) the ephemeral X25519 key: each call has a
  // fixed cost (about 4 µs on a 2-core VM), more than its bytes. v2/v3 draw no seed: given none,
  // a native ML-KEM encapsulates with its own randomness (lib/xwing.ts).
  const fresh = backend.randomBytes(NONCE_LENGTH + IV_LENGTH + (version === 1 ? 32 : 0));
  const nonce = pick(input.random?.nonce, NONCE_LENGTH, fresh.slice(0, NONCE_LENGTH));
  const iv = pick(input.random?.iv, IV_LENGTH, fresh.slice(NONCE_LENGTH, NONCE_LENGTH + IV_LENGTH));
  let kem: Uint8Array;
  let shared: Uint8Array;
  if (version === 1) {
    const seed = pick(input.random?.kemSeed, 32, fresh.subarray(NONCE_LENGTH + IV_LENGTH));
    const eph = backend.x25519SecretKey(seed);
    fresh.fill(0);
    const s = eph.agree(recipient.x25519, true);
    if (s === null)
      return xlinkErr(
        'ECDH_FAILED',
        'X25519 agreement with the recipient key failed',
        'The recipient key document holds an invalid X25519 key',
        { field: 'recipient' },
      );
    kem = eph.publicKey;
    shared = s;
  } else {
    const enc = recipient.xwing ? xwingEncapsulate(recipient.xwing, input.random?.kemSeed) : null;
    if (enc === null)
      return xlinkErr(
        'KEM_FAILED',
        'X-Wing encapsulation to the recipient key failed',
        'The recipient key document holds an invalid X-Wing key',
        { field: 'recipient' },
      );
    kem = enc.cipherText;
    shared = enc.sharedSecret;
  }
  const key = deriveEnvelopeKey(version, shared, nonce, kem, recipient.x25519);
  shared.fill(0);
  input.onKey?.(key.slice());
  const unstamped: EnvelopeHeader = {
    version,
    alg: ALG_OF_VERSION[version],
    sender: sender.did,
    recipient: recipient.did,
    timestamp: 0, // zero in the associated data (envelopeAad); stamped after encryption
    nonce,
    scope,
    iv,
    kem,
  };
  // encrypted behind room for the signing prefix: signing then needs no copy of the ciphertext
  const ciphertext = withSigningRoom(
    await backend.aes256GcmSeal(
      key,
      iv,
      input.plaintext,
      encodeEnvelopeHeader(unstamped),
      SIGNING_HEADROOM,
      input.sealInPlace === true,
    ),
  );
  key.fill(0);
  if (input.onEncrypted) await input.onEncrypted();
  // The timestamp is read now, after encryption, so encryption time does not age the message;
  // only signing (which must cover the timestamp) runs after it.
  const ts = checkTimestamp(input.timestamp, input.now);
  if (!ts.ok) return ts;
  const header: EnvelopeHeader = { ...unstamped, timestamp: ts.value };
  const headerBytes = encodeEnvelopeHeader(header);
  const signingInput = envelopeSigningInput(headerBytes, ciphertext);
  const signature = sender.signing.sign(signingInput);
  const pqSignature = version === 3 ? mldsaSign(sender.mldsa!.secretKey, signingInput) : undefined;
  return ok({ ...header, ciphertext, signature, ...(pqSignature ? { pqSignature } : {}) });
}

/** Inputs of {@link createSignedEnvelope}. */
export interface CreateSignedEnvelopeInput {
  /** The signer (or pass `privateKey`). */
  readonly identity?: AgentIdentity;
  /** Alternative to `identity`: the signer's 32-byte Ed25519 private key (the original API's shape). */
  readonly privateKey?: Uint8Array;
  /** Optional; when given it must be the DID of the signing key. */
  readonly senderDid?: string;
  readonly recipientDid: string;
  readonly scope: string;
  /** Cleartext bytes (integrity only, NOT confidential). */
  readonly plaintext: Uint8Array;
  /** ms since epoch; default now. */
  readonly timestamp?: number;
  /**
   * 16 bytes; default fresh random. Injected by tests, and by Xchange, which draws the
   * randomness of a whole message in one CSPRNG call.
   */
  readonly nonce?: Uint8Array;
}

/**
 * Signed-only envelope (telemetry): integrity and origin authentication, no confidentiality.
 * Receivers accept it only with `allowCleartext: true`. The plaintext is raw bytes (payload
 * type is not prefixed; receivers return it as bytes).
 * @param input signer (`identity` or `privateKey`), recipient DID, scope, plaintext
 * @returns the envelope, or `INVALID_SCOPE` / `INVALID_DID` (field `recipientDid` or
 *   `senderDid`) / `INVALID_SEED` (no usable key) / `PAYLOAD_TOO_LARGE` (over 1 MiB)
 */
export function createSignedEnvelope(
  input: CreateSignedEnvelopeInput,
): Result<Envelope, XlinkErrorDetail> {
  return signedEnvelope(input, false);
}

/**
 * @internal {@link createSignedEnvelope} over a body the caller hands over: `input.plaintext`
 * must come from {@link withRoomFor} for this envelope's header and must not be used again by
 * the caller; it becomes the envelope body as is (no copy). Xchange uses it for its parts.
 * @param input as for {@link createSignedEnvelope}
 * @returns as {@link createSignedEnvelope}
 */
export function createSignedEnvelopeOver(
  input: CreateSignedEnvelopeInput,
): Result<Envelope, XlinkErrorDetail> {
  return signedEnvelope(input, true);
}

function signedEnvelope(
  input: CreateSignedEnvelopeInput,
  handedOver: boolean,
): Result<Envelope, XlinkErrorDetail> {
  if (!isValidScope(input.scope))
    return xlinkErr(
      'INVALID_SCOPE',
      'scope must be 1..128 printable ASCII characters',
      'Use e.g. "telemetry"',
      { field: 'scope' },
    );
  const ts = checkTimestamp(input.timestamp);
  if (!ts.ok) return ts;
  if (typeof input.recipientDid !== 'string' || !parseDidKey(input.recipientDid).ok)
    return xlinkErr('INVALID_DID', 'recipientDid is not a did:key', 'Pass the gateway DID', {
      field: 'recipientDid',
    });
  let signing = input.identity?.signing;
  if (!signing && input.privateKey instanceof Uint8Array && input.privateKey.length === 32)
    signing = backend.ed25519Signer(input.privateKey);
  if (!signing)
    return xlinkErr(
      'INVALID_SEED',
      'pass identity or a 32-byte Ed25519 privateKey',
      'Use generateIdentity()',
      { field: 'privateKey' },
    );
  // an identity carries its DID (derived once in identity.ts); a bare key is encoded here
  const senderDid =
    input.identity?.signing === signing
      ? input.identity.did
      : didFromEd25519PublicKey(signing.publicKey);
  if (input.senderDid !== undefined && input.senderDid !== senderDid)
    return xlinkErr(
      'INVALID_DID',
      'senderDid is not the DID of the signing key',
      'Omit senderDid or pass the matching one',
      { field: 'senderDid' },
    );
  if (!(input.plaintext instanceof Uint8Array) || input.plaintext.length > 1024 * 1024)
    return xlinkErr(
      'PAYLOAD_TOO_LARGE',
      'signed-only plaintext must be bytes, at most 1 MiB',
      'Send less data',
      { field: 'plaintext' },
    );
  const header: EnvelopeHeader = {
    version: 1,
    alg: SIGNED_ONLY_ALG,
    sender: senderDid,
    recipient: input.recipientDid,
    timestamp: ts.value,
    nonce: pick(input.nonce, NONCE_LENGTH),
    scope: input.scope,
    iv: EMPTY,
    kem: EMPTY,
  };
  // The caller keeps its plaintext: copied once, behind room for the signing prefix (so the
  // signing input needs no second copy), unless the caller handed over such a buffer. Either
  // way the buffer is ours: no `withSigningRoom` mark (a WeakSet insert) is needed to sign.
  let body = input.plaintext;
  if (!handedOver) {
    body = withRoomFor(header, input.plaintext.length);
    body.set(input.plaintext);
  }
  const headerBytes = encodeEnvelopeHeader(header);
  const signature = signing.sign(signingInputOver(headerBytes, body));
  return ok({ ...header, ciphertext: body, signature });
}

const EMPTY = new Uint8Array(0);

/**
 * A zeroed buffer of `length` bytes behind room for the signing prefix of `header`, for a
 * signed-only body: signing writes the prefix in front of it instead of copying the body.
 * @param header the header fields of the envelope the buffer becomes the body of
 * @param length body length in bytes
 * @returns the body view (its `byteOffset` bytes in front are free)
 */
export function withRoomFor(
  header: Pick<EnvelopeHeader, 'sender' | 'recipient' | 'scope' | 'iv' | 'kem'>,
  length: number,
): Uint8Array {
  const room = Math.min(signingPrefixLength(header), SIGNING_HEADROOM);
  return new Uint8Array(room + length).subarray(room);
}
