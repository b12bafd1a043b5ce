/**
 * `Agent`: an entity with its own identity that sends and receives envelopes through a
 * registry and a transport. Both peers run the same code; there is no client or server.
 *
 * Receive pipeline (in this order; the first failure is returned):
 *   1. parse; version/algorithm supported by this agent; recipient is this agent
 *      (signed-only envelopes need `allowCleartext: true`)
 *   2. timestamp within +-timestampWindowMs (default 30 000 ms)
 *   3. nonce not seen before (read-only check)
 *   4. sender resolved in the registry, not revoked, key document verifies against its DID
 *   5. signature(s): Ed25519, plus ML-DSA-65 for v3; then the nonce is recorded atomically
 *   6. scope granted to the sender by the registry and accepted by this agent
 *   7. key agreement, 8. AES-256-GCM decryption, 9. payload parse
 *
 * Pitfalls:
 * - Deviation from the original design, on purpose: the nonce is only RECORDED after the
 *   signatures verify (step 5). Recording it at step 3 would let anyone who sees an envelope
 *   in transit burn its nonce with a forged copy (so the genuine one is rejected as a replay)
 *   or fill the store with junk. Step 3 still rejects known replays early.
 * - Replay protection is as durable as the nonce store (memory by default).
 * - Key documents resolved from the registry are re-verified (cached by signature bytes).
 * - Split-channel and Xchange hook in through `split-channel/*`, `security-policy.ts`
 *   and `xchange.ts`: `send` delegates when the security policy decides on a split, and
 *   `receive` hands authenticated share envelopes / Xchange parts to the share buffer after
 *   step 8, returning a `pending` result until k shares are present.
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import { ok, type Result } from 'xorida';
// Relay receiving, Express middleware and signed requests.
import { type AgentMiddlewareOptions, createAgentMiddleware } from './agent-middleware.js';
// DELIVERY-HOOK(imports): delivery contract and size policy (delivery-freshness.ts, size-policy.ts)
import { checkFreshness, type DeliveryOptions, nonceRetentionMs } from './delivery-freshness.js';
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type Envelope,
  type EnvelopeJson,
  envelopeToJson,
  isValidScope,
  maxCiphertextFor,
  parseEnvelope,
  SIGNED_ONLY_ALG,
} from './envelope.js';
import { toXlinkError, type XlinkErrorDetail, xlinkErr } from './errors.js';
import {
  type AgentIdentity,
  exportIdentity,
  exportPKCS8,
  generateIdentity,
  type IdentityExport,
  identityFromEd25519Key,
  identityFromSeed,
  importIdentityExport,
  parsePKCS8,
} from './identity.js';
import {
  createKeyDocument,
  type EnvelopeVersion,
  type KeyDocument,
  negotiateVersion,
  verifyKeyDocument,
} from './key-document.js';
import { LazyAgent, type LazyAgentOptions } from './lazy-agent.js';
import { base64urlEncode } from './lib/codec.js';
import { decodePayload, encodePayload, type Payload } from './lib/payload.js';
import { MemoryNonceStore, type NonceStore } from './nonce-store.js';
import { decryptEnvelope, verifyEnvelopeSignatures } from './open.js';
import {
  MemoryTrustRegistry,
  type RegistryEntry,
  scopeGranted,
  type TrustRegistry,
} from './registry.js';
import { RelayClient } from './relay-client.js';
import { type ListenOptions, runListenLoop } from './relay-listen.js';
import {
  type RequestSigner,
  requestSignerFromIdentity,
  type SignedRequestHeaders,
  type SignedRequestInput,
  signRequest,
} from './request-signature.js';
import { createEnvelope, type InjectedRandomness } from './seal.js';
// Split-channel / Xchange hooks; the logic lives in these modules.
import {
  decideSecurity,
  type SecurityDecision,
  type SecurityLevel,
  type SecurityPolicyOptions,
  type SplitChannelConfig,
  validateSecurityPolicy,
} from './security-policy.js';
import { SenderRegistrationCheck } from './sender-registration.js';
import { SHARE_FRAMING_BYTES, shareBufferOptions } from './size-policy.js';
import { ExpiredGroupQueue, type ExpiredGroupReport } from './split-channel/expiry-reports.js';
import { SPLIT_SECRET_OVERHEAD } from './split-channel/integrity.js';
import {
  acceptShare,
  latePending,
  type PendingShares,
  type SplitMessageInfo,
} from './split-channel/receive.js';
import { type SplitSendResult, sendSplitChannel } from './split-channel/send.js';
import { ShareBuffer, type ShareBufferOptions } from './split-channel/share-buffer.js';
import { decodeShareRecord, isShareRecord } from './split-channel/share-record.js';
import { LoopbackTransport, type TransportAdapter } from './transport.js';
import { decodeXchangePart, isXchangePart, lateXchangePart, sendXchange } from './xchange.js';

/** Bytes a share envelope or Xchange part may exceed `maxPayloadBytes` by (framing, r, tag). */
export const SHARE_ENVELOPE_SLACK = SHARE_FRAMING_BYTES; // DELIVERY-HOOK(size)

/** Logger hook (split-channel warnings and events); default: `console.warn` for warnings. */
export interface AgentLogger {
  warn?(event: string, detail: Record<string, unknown>): void;
  info?(event: string, detail: Record<string, unknown>): void;
}

/** What `receive` returns: a message, or a pending share group. */
export type ReceiveResult = AgentMessage | PendingShares;

/**
 * Narrows a receive result.
 * @param value `receive(...).value`
 * @returns true when it is a {@link PendingShares} (no message yet)
 */
export function isPendingShares(value: ReceiveResult): value is PendingShares {
  return value.status === 'pending';
}

/** Default accepted clock difference, ms. */
export const DEFAULT_TIMESTAMP_WINDOW_MS = 30_000;

/** Progress event of `send` / `receive`. */
export interface ProgressEvent {
  readonly stage:
    | 'encrypting'
    | 'signing'
    | 'sending'
    | 'verifying'
    | 'decrypting'
    | 'complete'
    | 'splitting'
    | 'reconstructing';
  /** Current step / total steps (single envelope: 1 / 1). */
  readonly current?: number;
  readonly total?: number;
}
/** Progress callback (may be async; awaited). */
export type ProgressCallback = (event: ProgressEvent) => void | Promise<void>;

/** Options shared by every Agent factory. */
export interface AgentOptions {
  /** Display name stored in the registry. */
  readonly name?: string;
  readonly registry: TrustRegistry;
  /** One adapter, or one per channel: share i goes to `transport[i % transport.length]`. */
  readonly transport: TransportAdapter | readonly TransportAdapter[];
  /** Default: a new `MemoryNonceStore`. */
  readonly nonceStore?: NonceStore;
  /** Derive an ML-DSA-65 key and advertise v3. Default false. */
  readonly postQuantumSig?: boolean;
  /** Accepted clock difference, ms (default 30 000). */
  readonly timestampWindowMs?: number;
  /** Maximum plaintext payload, bytes (default 16 MiB; the size policy's setting, size-policy.ts). */
  readonly maxPayloadBytes?: number;
  /** Trusted relays whose deposit receipts extend acceptance to the relay TTL (delivery-freshness.ts). */
  readonly delivery?: DeliveryOptions; // DELIVERY-HOOK(option)
  /** Scopes registered for this agent (what it may SEND). Default `['*']`. */
  readonly scopes?: readonly string[];
  /** Scopes this agent ACCEPTS on receive; default: any scope the registry grants the sender. */
  readonly acceptScopes?: readonly string[];
  /** Envelope versions to advertise (default every version the keys allow). */
  readonly versions?: readonly EnvelopeVersion[];
  /** Opt in to Xchange mode (send and receive). Default false. */
  readonly xchange?: boolean;
  /** Rules of `security: 'auto'` (see security-policy.ts). */
  readonly security?: SecurityPolicyOptions;
  /** Share buffer limits on receive (group timeout, bytes per sender, ...). */
  readonly splitChannel?: ShareBufferOptions;
  /** Warnings/events hook. Default: warnings through `console.warn`, events dropped. */
  readonly logger?: AgentLogger;
}

/** Inputs of `agent.send`. */
export interface SendOptions {
  /** Recipient DID. */
  readonly to: string;
  readonly payload: Payload;
  readonly scope: string;
  readonly onProgress?: ProgressCallback;
  /** Protection level (default `auto`, see security-policy.ts). */
  readonly security?: SecurityLevel;
  /** Action name the `auto` policy looks at (else the payload's `action`). */
  readonly action?: string;
  /** Xchange mode for this message (the agent must be created with `xchange: true`). */
  readonly xchange?: boolean;
  /** @deprecated use `security: 'high'`. */
  readonly splitChannel?: boolean;
  /** @deprecated use `security`; explicit `{ totalShares, threshold }`. */
  readonly splitChannelConfig?: SplitChannelConfig;
  /** Tests only: fixed timestamp and randomness. */
  readonly testing?: { readonly timestamp?: number; readonly random?: InjectedRandomness };
}

/** What `send` returns. */
export interface SendReceipt {
  /** The envelope as delivered (JSON form). */
  readonly envelope: EnvelopeJson;
  readonly version: EnvelopeVersion;
  readonly to: string;
  /** base64url nonce. */
  readonly nonce: string;
  /** The policy decision (level, k, n, reason). */
  readonly security?: SecurityDecision;
  /** Split sends: groupId, k, n, every share envelope, delivered and failed shares. */
  readonly split?: SplitSendResult;
}

/** Options of `agent.receive`. */
export interface ReceiveOptions {
  readonly onProgress?: ProgressCallback;
  /** Accept signed-only (cleartext) envelopes. Default false. */
  readonly allowCleartext?: boolean;
  /** Clock override in ms (tests). */
  readonly now?: number;
  /** Deposit receipt the relay handed out with this envelope (relay-receipt.ts); untrusted. */
  readonly relayReceipt?: unknown; // DELIVERY-HOOK(receipt)
}

/** A verified, decrypted message. */
export interface AgentMessage {
  readonly sender: string;
  readonly recipient: string;
  readonly scope: string;
  readonly payload: Payload;
  readonly version: EnvelopeVersion;
  /** True for signed-only envelopes (payload was NOT encrypted). */
  readonly cleartext: boolean;
  /** Sender timestamp, ms. */
  readonly timestamp: number;
  /** base64url nonce. */
  readonly nonce: string;
  /** Always `'complete'` (distinguishes a message from {@link PendingShares}). */
  readonly status?: 'complete';
  /** Present when the message was reconstructed from shares. */
  readonly split?: SplitMessageInfo;
}

interface Config {
  name: string | undefined;
  registry: TrustRegistry;
  transport: TransportAdapter;
  nonceStore: NonceStore;
  timestampWindowMs: number;
  maxPayloadBytes: number;
  scopes: readonly string[];
  acceptScopes: readonly string[] | undefined;
  transports: readonly TransportAdapter[];
  splitChannel: ShareBufferOptions | undefined;
  xchange: boolean;
  security: SecurityPolicyOptions | undefined;
  logger: AgentLogger;
  delivery: DeliveryOptions | undefined; // DELIVERY-HOOK(config)
}

function validateOptions(o: Partial<AgentOptions>): Result<void, XlinkErrorDetail> {
  const bad = (field: string, message: string) =>
    xlinkErr('INVALID_OPTIONS', message, 'Fix the Agent options', { field });
  if (!o || typeof o !== 'object') return bad('options', 'options object required');
  if (!o.registry || typeof o.registry.resolve !== 'function')
    return bad('registry', 'registry must implement TrustRegistry');
  const ts: unknown[] = Array.isArray(o.transport) ? o.transport : [o.transport];
  if (ts.length === 0 || !ts.every((t) => typeof (t as TransportAdapter)?.send === 'function'))
    return bad('transport', 'transport must implement TransportAdapter (or be a non-empty array)');
  const sp = validateSecurityPolicy(o.security);
  if (!sp.ok) return sp;
  if (
    o.timestampWindowMs !== undefined &&
    !(
      Number.isSafeInteger(o.timestampWindowMs) &&
      o.timestampWindowMs > 0 &&
      o.timestampWindowMs <= 86_400_000
    )
  )
    return bad('timestampWindowMs', 'timestampWindowMs must be an integer in 1..86 400 000 ms');
  if (
    o.maxPayloadBytes !== undefined &&
    !(
      Number.isSafeInteger(o.maxPayloadBytes) &&
      o.maxPayloadBytes > 0 &&
      o.maxPayloadBytes <= 256 * 1024 * 1024
    )
  )
    return bad('maxPayloadBytes', 'maxPayloadBytes must be an integer in 1..268 435 456');
  if (o.scopes !== undefined && (!Array.isArray(o.scopes) || !o.scopes.every(isValidScope)))
    return bad('scopes', 'scopes must be valid scope strings');
  if (
    o.acceptScopes !== undefined &&
    (!Array.isArray(o.acceptScopes) || !o.acceptScopes.every(isValidScope))
  )
    return bad('acceptScopes', 'acceptScopes must be valid scope strings');
  return ok(undefined);
}

/** An Xlink peer. Construct with the static factories. */
export class Agent {
  /** This agent's did:key. */
  readonly did: string;
  /** Display name. */
  readonly name: string | undefined;
  /** This agent's signed key document. */
  readonly keyDocument: KeyDocument;
  readonly registry: TrustRegistry;
  readonly transport: TransportAdapter;
  readonly nonceStore: NonceStore;
  /** Every transport (share i goes to `transports[i % transports.length]`). */
  readonly transports: readonly TransportAdapter[];
  private readonly identity: AgentIdentity;
  private readonly cfg: Config;
  // Incomplete share groups on receive (split-channel and Xchange).
  private readonly shareBuffer: ShareBuffer;
  // DELIVERY-HOOK(expiry): INSUFFICIENT_SHARES reports until taken (split-channel/expiry-reports.ts)
  private readonly expired = new ExpiredGroupQueue();
  // DELIVERY-HOOK(registered): fail at send when the peer would refuse an unregistered sender
  private readonly senderCheck = new SenderRegistrationCheck();
  // The fewer-transports-than-shares warning is given once per agent.
  private warnedRouting = false;
  // Verified peer key documents keyed by DID, re-used while the registry serves the same bytes.
  // Bounded so a stream of envelopes from many DIDs cannot grow memory without limit.
  private readonly docCache = new LRUCache<string, KeyDocument>({ max: 1024 });

  private constructor(identity: AgentIdentity, keyDocument: KeyDocument, cfg: Config) {
    this.identity = identity;
    this.did = identity.did;
    this.keyDocument = keyDocument;
    this.cfg = cfg;
    this.name = cfg.name;
    this.registry = cfg.registry;
    this.transport = cfg.transport;
    this.nonceStore = cfg.nonceStore;
    this.transports = cfg.transports;
    // DELIVERY-HOOK(size): the per-sender share buffer derives from maxPayloadBytes
    const sb = shareBufferOptions(cfg.splitChannel, cfg.maxPayloadBytes);
    // DELIVERY-HOOK(expiry): expired groups also become INSUFFICIENT_SHARES results
    this.shareBuffer = new ShareBuffer(sb, (e, d) => {
      this.expired.record(e, d);
      cfg.logger.info?.(e, d);
    });
  }

  /**
   * Share-buffer usage (incomplete split-channel / Xchange groups on receive).
   * @param sender optional DID whose buffered bytes to report
   * @returns `{ groups, bytes, senderBytes }` (bytes of buffered share payloads)
   */
  pendingShareStats(sender?: string): { groups: number; bytes: number; senderBytes: number } {
    return this.shareBuffer.stats(sender);
  }

  /**
   * Split groups that expired short of their threshold since the last call (DELIVERY-HOOK).
   * @returns `INSUFFICIENT_SHARES` details with sender, groupId, received, threshold; `listen()`
   *   also reports them through `onError`
   */
  takeExpiredShareGroups(): ExpiredGroupReport[] {
    return this.expired.take();
  }

  /** Envelope versions this agent accepts and advertises. */
  get versions(): readonly EnvelopeVersion[] {
    return this.keyDocument.versions;
  }

  private static build(
    identity: AgentIdentity,
    options: AgentOptions,
  ): Result<Agent, XlinkErrorDetail> {
    const v = validateOptions(options);
    if (!v.ok) return v;
    const doc = createKeyDocument(identity, options.versions ? { versions: options.versions } : {});
    if (!doc.ok) return doc;
    const transports: readonly TransportAdapter[] = Array.isArray(options.transport)
      ? [...options.transport]
      : [options.transport as TransportAdapter];
    return ok(
      new Agent(identity, doc.value, {
        transports,
        xchange: options.xchange === true,
        security: options.security,
        splitChannel: options.splitChannel,
        logger: options.logger ?? { warn: (e, d) => console.warn(`[xlink] ${e}`, d) },
        name: options.name,
        registry: options.registry,
        transport: transports[0]!,
        nonceStore: options.nonceStore ?? new MemoryNonceStore(),
        timestampWindowMs: options.timestampWindowMs ?? DEFAULT_TIMESTAMP_WINDOW_MS,
        maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
        scopes: options.scopes ?? ['*'],
        acceptScopes: options.acceptScopes,
        delivery: options.delivery, // DELIVERY-HOOK(config)
      }),
    );
  }

  private async registerSelf(allowExisting: boolean): Promise<Result<Agent, XlinkErrorDetail>> {
    const r = await this.registry.register({
      keyDocument: this.keyDocument,
      scopes: this.cfg.scopes,
      ...(this.name !== undefined ? { name: this.name } : {}),
    });
    if (r.ok) return ok(this);
    if (!(allowExisting && r.error.subCode === 'ALREADY_REGISTERED')) return r;
    // Already registered: only fine if the registry serves the same keys and versions, else
    // peers keep using the old document (e.g. v3 to an agent restarted without ML-DSA) and
    // every message fails on receive.
    const existing = await this.registry.resolve(this.did);
    if (!existing.ok) return existing;
    if (!sameKeys(existing.value.keyDocument, this.keyDocument))
      return xlinkErr(
        'REGISTRATION_FAILED',
        'this DID is registered with other keys or versions than this agent has',
        'Restore with the same options (e.g. postQuantumSig) or re-register the DID with the new key document',
        { subCode: 'KEY_DOCUMENT_MISMATCH', field: 'did' },
      );
    return ok(this);
  }

  /**
   * Generates a fresh identity, signs its key document and registers it.
   * @param options registry, transport and policy options ({@link AgentOptions})
   * @returns the agent, or `INVALID_OPTIONS`, `IDENTITY_FAILED`, `REGISTRATION_FAILED`
   */
  static async create(options: AgentOptions): Promise<Result<Agent, XlinkErrorDetail>> {
    const id = generateIdentity({ postQuantumSig: options?.postQuantumSig ?? false });
    if (!id.ok)
      return xlinkErr('IDENTITY_FAILED', id.error.message, id.error.hint, {
        subCode: id.error.code,
      });
    const agent = Agent.build(id.value, options);
    if (!agent.ok) return agent;
    return agent.value.registerSelf(false);
  }

  /**
   * Zero-configuration agent: in-memory registry and loopback transport unless given,
   * registers itself with scopes `['*']` unless `scopes` is given.
   * @param options any {@link AgentOptions} (all optional here)
   * @returns the agent (not a Result, as in the original design)
   * @throws XlinkError only if registration fails (e.g. a full registry)
   */
  static async quickstart(options: Partial<AgentOptions> = {}): Promise<Agent> {
    const r = await Agent.create({
      ...options,
      registry: options.registry ?? new MemoryTrustRegistry(),
      transport: options.transport ?? new LoopbackTransport(),
    });
    if (!r.ok) throw toXlinkError(r.error);
    return r.value;
  }

  /**
   * Deterministic agent from a 32-byte seed (factory provisioning); registers unless the DID
   * is already registered.
   * @param seed 32 bytes (see identityFromSeed for the HKDF labels)
   * @param options {@link AgentOptions}
   * @returns the agent, or `INVALID_SEED`, `INVALID_OPTIONS`, `REGISTRATION_FAILED`
   */
  static async fromSeed(
    seed: Uint8Array,
    options: AgentOptions,
  ): Promise<Result<Agent, XlinkErrorDetail>> {
    const id = identityFromSeed(seed, { postQuantumSig: options?.postQuantumSig ?? false });
    if (!id.ok) return id;
    const agent = Agent.build(id.value, options);
    if (!agent.ok) return agent;
    return agent.value.registerSelf(true);
  }

  /**
   * Restores a persisted identity: `pkcs8` (Ed25519 PKCS#8 DER or PEM; every other key is
   * re-derived) or `identity` (full {@link exportIdentity} output). Skips registration unless
   * `register: true`.
   * @param options {@link AgentOptions} plus `pkcs8` or `identity`, and `register`
   * @returns the agent, or `INVALID_PKCS8`, `INVALID_IDENTITY`, `INVALID_OPTIONS`,
   *   `REGISTRATION_FAILED`
   */
  static async importIdentity(
    options: AgentOptions & {
      pkcs8?: Uint8Array | string;
      identity?: IdentityExport | string;
      register?: boolean;
    },
  ): Promise<Result<Agent, XlinkErrorDetail>> {
    let id: Result<AgentIdentity, XlinkErrorDetail>;
    if (options?.identity !== undefined) id = importIdentityExport(options.identity);
    else if (options?.pkcs8 !== undefined) {
      const key = parsePKCS8(options.pkcs8);
      if (!key.ok) return key;
      id = identityFromEd25519Key(key.value, { postQuantumSig: options.postQuantumSig ?? false });
    } else
      return xlinkErr(
        'INVALID_OPTIONS',
        'pass pkcs8 or identity',
        'Use agent.exportPKCS8() or agent.exportIdentity()',
        { field: 'pkcs8' },
      );
    if (!id.ok) return id;
    const agent = Agent.build(id.value, options);
    if (!agent.ok) return agent;
    return options.register ? agent.value.registerSelf(true) : ok(agent.value);
  }

  /**
   * An agent that sets itself up on first `send` / `receive`: loads or creates its identity
   * (`identityStore`), then accepts `XLINK_INVITE_CODE` (or `inviteCode`) or self-registers in
   * `XLINK_REGISTRY_URL` (see lazy-agent.ts).
   * @param options `name`, `inviteCode?`, `registry?`, `relay?`, `scopes?`, `identityStore?`
   * @returns the lazy agent (no I/O yet)
   */
  static lazy(options: LazyAgentOptions): LazyAgent {
    return new LazyAgent(options);
  }

  /**
   * Synchronous construction from pre-built parts (no registration, no I/O).
   * @param parts an identity (e.g. from identityFromSeed) plus {@link AgentOptions}
   * @returns the agent
   * @throws TypeError on invalid options (programming error)
   */
  static fromParts(parts: AgentOptions & { identity: AgentIdentity }): Agent {
    const r = Agent.build(parts.identity, parts);
    if (!r.ok) throw new TypeError(`${r.error.code}: ${r.error.message}`);
    return r.value;
  }

  /** Ed25519 key as PKCS#8 DER (48 bytes; restores the whole identity). Secret! */
  exportPKCS8(): Uint8Array {
    return exportPKCS8(this.identity);
  }

  /** Every secret key as a versioned JSON object. Secret! */
  exportIdentity(): IdentityExport {
    return exportIdentity(this.identity);
  }

  /** Registers this agent's key document (e.g. after importIdentity). */
  async register(): Promise<Result<Agent, XlinkErrorDetail>> {
    return this.registerSelf(false);
  }

  /** Resolves a peer and returns its entry plus verified key document. */
  private async resolvePeer(
    did: string,
  ): Promise<Result<{ entry: RegistryEntry; doc: KeyDocument }, XlinkErrorDetail>> {
    const r = await this.registry.resolve(did);
    if (!r.ok) return r;
    const entry = r.value;
    const cached = this.docCache.get(did);
    // Same signature bytes: reuse the document verified earlier (never the new, unverified one).
    if (cached && sameBytes(cached.signature, entry.keyDocument.signature))
      return ok({ entry, doc: cached });
    const doc = verifyKeyDocument(entry.keyDocument, did);
    if (!doc.ok) return doc;
    this.docCache.set(did, doc.value);
    return ok({ entry, doc: doc.value });
  }

  /**
   * Encrypts, signs and delivers a payload (version negotiated from both key documents).
   * @param options `to` (DID), `payload` (plain object or bytes, at most maxPayloadBytes
   *   encoded), `scope`, `onProgress`
   * @returns a {@link SendReceipt}, or `INVALID_SCOPE`, `INVALID_PAYLOAD`,
   *   `PAYLOAD_TOO_LARGE`, `DID_NOT_IN_REGISTRY`, `VERIFICATION_FAILED:RECIPIENT_REVOKED`,
   *   `INVALID_KEY_DOCUMENT`, `VERSION_NEGOTIATION_FAILED`, `ECDH_FAILED`, `KEM_FAILED`,
   *   `SEND_FAILED`, `NETWORK_ERROR`; split-channel / Xchange (`security`, `xchange`, deprecated
   *   `splitChannel*`): `INVALID_OPTIONS` (field `security`, `splitChannelConfig`, `xchange`),
   *   `SEND_FAILED:BELOW_THRESHOLD` (fewer than k shares accepted); `receipt.split` then lists
   *   every share envelope and which transports failed
   */
  async send(options: SendOptions): Promise<Result<SendReceipt, XlinkErrorDetail>> {
    if (!isValidScope(options?.scope))
      return xlinkErr(
        'INVALID_SCOPE',
        'scope must be 1..128 printable ASCII characters',
        'Use e.g. "payments:notify"',
        { field: 'scope' },
      );
    const plaintext = encodePayload(options.payload, this.cfg.maxPayloadBytes);
    if (!plaintext.ok) return plaintext;
    const peer = await this.resolvePeer(options.to);
    if (!peer.ok) return peer;
    // DELIVERY-HOOK(registered): sender-registration.ts
    const self = await this.senderCheck.check(this.registry, this.did, options.scope);
    if (!self.ok) return self;
    if (peer.value.entry.status === 'revoked')
      return xlinkErr(
        'VERIFICATION_FAILED',
        'recipient DID is revoked',
        'Do not send to revoked peers',
        { subCode: 'RECIPIENT_REVOKED', field: 'to' },
      );
    const version = negotiateVersion(this.keyDocument, peer.value.doc);
    if (version === null)
      return xlinkErr(
        'VERSION_NEGOTIATION_FAILED',
        'no common envelope version',
        'Both peers must support v1',
        { field: 'to' },
      );
    // Split-channel / Xchange: the policy decides, the split modules do the work.
    const decision = decideSecurity(
      {
        security: options.security,
        payload: options.payload,
        scope: options.scope,
        action: options.action,
        splitChannel: options.splitChannel,
        splitChannelConfig: options.splitChannelConfig,
        xchange: options.xchange,
      },
      this.cfg.security,
    );
    if (!decision.ok) return decision;
    if (decision.value.n > 1)
      return this.sendShares(options, plaintext.value, peer.value.doc, version, decision.value);
    const progress = options.onProgress;
    if (progress) await progress({ stage: 'encrypting', current: 1, total: 1 });
    const env = await createEnvelope({
      sender: this.identity,
      recipient: peer.value.doc,
      version,
      scope: options.scope,
      plaintext: plaintext.value,
      ...(options.testing?.timestamp !== undefined ? { timestamp: options.testing.timestamp } : {}),
      ...(options.testing?.random ? { random: options.testing.random } : {}),
      ...(progress
        ? { onEncrypted: () => progress({ stage: 'signing', current: 1, total: 1 }) }
        : {}),
    });
    if (!env.ok) return env;
    const json = envelopeToJson(env.value);
    if (progress) await progress({ stage: 'sending', current: 1, total: 1 });
    const sent = await this.transport.send(json, options.to);
    if (!sent.ok) return sent;
    if (progress) await progress({ stage: 'complete', current: 1, total: 1 });
    return ok({
      envelope: json,
      version,
      to: options.to,
      nonce: json.nonce,
      security: decision.value,
    });
  }

  /** Split-channel / Xchange send (see split-channel/send.ts and xchange.ts). */
  private async sendShares(
    options: SendOptions,
    plaintext: Uint8Array,
    recipient: KeyDocument,
    version: EnvelopeVersion,
    decision: SecurityDecision,
  ): Promise<Result<SendReceipt, XlinkErrorDetail>> {
    if (options.xchange && !this.cfg.xchange)
      return xlinkErr(
        'INVALID_OPTIONS',
        'send({ xchange: true }) needs an agent created with xchange: true',
        'Create both agents with { xchange: true }',
        { field: 'xchange' },
      );
    const { k, n } = decision;
    const transports = this.cfg.transports;
    if (transports.length < n && !this.warnedRouting) {
      this.warnedRouting = true;
      this.cfg.logger.warn?.('split-channel.shared-transport', {
        transports: transports.length,
        shares: n,
        message: `${n} shares over ${transports.length} transport(s): channels are not independent`,
      });
    }
    const progress = options.onProgress;
    const common = {
      identity: this.identity,
      scope: options.scope,
      plaintext,
      k,
      n,
      transports,
      ...(options.testing?.timestamp !== undefined ? { timestamp: options.testing.timestamp } : {}),
      ...(progress
        ? {
            onSplitting: () => progress({ stage: 'splitting', current: 1, total: 1 }),
            onSending: (current: number, total: number) =>
              progress({ stage: 'sending', current, total }),
          }
        : {}),
    };
    const r = options.xchange
      ? await sendXchange({ ...common, recipientDid: recipient.did })
      : await sendSplitChannel({ ...common, recipient, version });
    if (!r.ok) return r;
    if (progress) await progress({ stage: 'complete', current: 1, total: 1 });
    const first = r.value.envelopes[r.value.delivered[0] ?? 0]!;
    return ok({
      envelope: first,
      version: first.version,
      to: options.to,
      nonce: first.nonce,
      security: decision,
      split: r.value,
    });
  }

  /**
   * Runs the receive pipeline (see module doc) on an envelope in any form: JSON object
   * (e.g. `transport.outbox[i]` or `receipt.envelope`), JSON text, compact text or bytes.
   * @param input the envelope
   * @param receiveOptions `onProgress`, `allowCleartext` (signed-only envelopes), `now` (tests)
   * @returns the {@link AgentMessage}, or in pipeline order: `ENVELOPE_INVALID`,
   *   `UNSUPPORTED_VERSION`, `PAYLOAD_TOO_LARGE`, `CLEARTEXT_NOT_ALLOWED`, `RECIPIENT_MISMATCH`,
   *   `TIMESTAMP_EXPIRED` (`STALE`/`FUTURE`), `REPLAY_DETECTED`,
   *   `VERIFICATION_FAILED` (`DID_NOT_IN_REGISTRY`, `SENDER_REVOKED`, `BAD_KEY_DOCUMENT`,
   *   `SIGNATURE_MISMATCH`, `PQ_KEY_MISSING`, `PQ_SIGNATURE_MISMATCH`), `NONCE_STORE_FULL`,
   *   `SCOPE_DENIED` (`NOT_GRANTED`/`NOT_ACCEPTED`), `DECRYPT_FAILED`
   *   (`KEY_AGREEMENT`/`DECRYPTION`/`PARSE`), `LOOKUP_FAILED`. Share envelopes and Xchange parts
   *   give `ok(PendingShares)` until k shares of their group are present, then the message once
   *   (`split` set); or `INCONSISTENT_SHARES`, `HMAC_VERIFICATION_FAILED`,
   *   `PAYLOAD_TOO_LARGE:SHARE_BUFFER_FULL`, `UNSUPPORTED_VERSION:XCHANGE_NOT_ENABLED`
   */
  async receive(
    input: unknown,
    receiveOptions?: ReceiveOptions | null,
  ): Promise<Result<ReceiveResult, XlinkErrorDetail>> {
    const options: ReceiveOptions = receiveOptions ?? {};
    const progress = options.onProgress;
    if (progress) await progress({ stage: 'verifying', current: 1, total: 1 });
    // 1. structure, version/algorithm, recipient
    let parsed = parseEnvelope(input, this.cfg.maxPayloadBytes);
    // Share envelopes / Xchange parts carry up to SHARE_ENVELOPE_SLACK bytes of framing on top
    // of the payload; such an envelope is accepted only if it turns out to be one (see below).
    let oversize: Result<never, XlinkErrorDetail> | undefined;
    if (!parsed.ok && parsed.error.code === 'PAYLOAD_TOO_LARGE') {
      const again = parseEnvelope(input, this.cfg.maxPayloadBytes + SHARE_ENVELOPE_SLACK);
      if (again.ok) {
        oversize = parsed;
        parsed = again;
      }
    }
    if (!parsed.ok) return parsed;
    const env: Envelope = parsed.value;
    const signedOnly = env.alg === SIGNED_ONLY_ALG;
    const xchangePart = signedOnly && isXchangePart(env.ciphertext);
    if (xchangePart && !this.cfg.xchange)
      return xlinkErr(
        'UNSUPPORTED_VERSION',
        'Xchange part received by an agent without xchange: true',
        'Create the receiving agent with { xchange: true }',
        { subCode: 'XCHANGE_NOT_ENABLED', field: 'alg' },
      );
    if (oversize && signedOnly && !xchangePart) return oversize;
    if (signedOnly && !xchangePart && !options.allowCleartext)
      return xlinkErr(
        'CLEARTEXT_NOT_ALLOWED',
        'signed-only (unencrypted) envelope refused',
        'Pass { allowCleartext: true } to accept telemetry envelopes',
        { field: 'alg' },
      );
    if (!this.keyDocument.versions.includes(env.version))
      return xlinkErr(
        'UNSUPPORTED_VERSION',
        `this agent does not accept v${env.version}`,
        'The sender must negotiate a version from our key document',
        { subCode: 'NOT_ACCEPTED', field: 'version' },
      );
    if (env.recipient !== this.did)
      return xlinkErr(
        'RECIPIENT_MISMATCH',
        'envelope is addressed to another DID',
        'Deliver it to its recipient',
        { field: 'recipient' },
      );
    // Xchange: a late part of an already delivered group is acknowledged before the (costly)
    // signature check; nothing is recorded or returned from it, so a forgery gains nothing.
    if (xchangePart) {
      const late = await lateXchangePart(this.nonceStore, env);
      if (late) return ok(late);
    }
    // Split-channel: the remaining shares of a delivered message are known by their (derived)
    // nonces; acknowledge them without decrypting (a synchronous map lookup otherwise).
    const lateShare = this.shareBuffer.lateShare(env.sender, base64urlEncode(env.nonce));
    if (lateShare) return ok(latePending(env.sender, lateShare));
    // 2. timestamp: direct window, or the relay TTL with a trusted deposit receipt
    // DELIVERY-HOOK(freshness): logic in delivery-freshness.ts
    const window = this.cfg.timestampWindowMs;
    const delivery = this.cfg.delivery;
    const now = options.now ?? Date.now();
    const fresh = checkFreshness(env, now, window, options.relayReceipt, delivery);
    if (!fresh.ok) return fresh;
    // 3. nonce (read-only; recorded after authentication)
    const nonceKey = `${env.sender}|${base64urlEncode(env.nonce)}`;
    if (await this.nonceStore.has(nonceKey))
      return xlinkErr(
        'REPLAY_DETECTED',
        'nonce already seen from this sender',
        'Never resend an envelope; send a new one',
        { field: 'nonce' },
      );
    // 4. sender in registry, not revoked, verified key document
    const peer = await this.resolvePeer(env.sender);
    if (!peer.ok) {
      if (peer.error.code === 'DID_NOT_IN_REGISTRY')
        return xlinkErr(
          'VERIFICATION_FAILED',
          'sender DID is not in the trust registry',
          'Register the sender first',
          { subCode: 'DID_NOT_IN_REGISTRY', field: 'sender' },
        );
      if (peer.error.code === 'INVALID_KEY_DOCUMENT' || peer.error.code === 'INVALID_DID')
        return xlinkErr(
          'VERIFICATION_FAILED',
          `sender key document rejected: ${peer.error.message}`,
          'Re-register the sender',
          { subCode: 'BAD_KEY_DOCUMENT', field: 'sender' },
        );
      return peer;
    }
    if (peer.value.entry.status === 'revoked')
      return xlinkErr(
        'VERIFICATION_FAILED',
        'sender DID is revoked',
        'Do not accept messages from revoked peers',
        { subCode: 'SENDER_REVOKED', field: 'sender' },
      );
    // 4b. no downgrade: an encrypted envelope must use the version both key documents support
    // (lower is refused, higher already failed the acceptance check above). Without this, a
    // sender whose document lists ML-DSA could be impersonated with an Ed25519-only v1/v2
    // envelope by whoever forges Ed25519, and v3 would add nothing.
    const floor = negotiateVersion(peer.value.doc, this.keyDocument);
    if (!signedOnly && floor !== null && env.version < floor)
      return xlinkErr(
        'UNSUPPORTED_VERSION',
        `v${env.version} envelope where both key documents support v${floor}`,
        'The sender must use the negotiated version; a lower one is a downgrade',
        { subCode: 'DOWNGRADE', field: 'version' },
      );
    // 5. signature(s), then atomic nonce record
    const header = verifyEnvelopeSignatures(env, peer.value.doc);
    if (!header.ok) return header;
    // DELIVERY-HOOK(retention): nonces outlive every path that could still accept the envelope
    const retention = nonceRetentionMs(window, this.cfg.delivery);
    const stored = await this.nonceStore.checkAndStore(nonceKey, retention);
    if (!stored.ok) return stored;
    if (stored.value === 'replay')
      return xlinkErr(
        'REPLAY_DETECTED',
        'nonce already seen from this sender',
        'Never resend an envelope; send a new one',
        { field: 'nonce' },
      );
    // 6. scope: granted by the registry and accepted here
    if (!scopeGranted(peer.value.entry, env.scope))
      return xlinkErr(
        'SCOPE_DENIED',
        `sender is not granted scope "${env.scope}"`,
        'Grant the scope in the registry',
        { subCode: 'NOT_GRANTED', field: 'scope' },
      );
    if (this.cfg.acceptScopes && !this.cfg.acceptScopes.includes(env.scope))
      return xlinkErr(
        'SCOPE_DENIED',
        `this agent does not accept scope "${env.scope}"`,
        'Add it to acceptScopes',
        { subCode: 'NOT_ACCEPTED', field: 'scope' },
      );
    // 7-8. key agreement and decryption
    if (progress) await progress({ stage: 'decrypting', current: 1, total: 1 });
    const plaintext = await decryptEnvelope(env, this.identity, header.value);
    if (!plaintext.ok) return plaintext;
    if (xchangePart || (!signedOnly && isShareRecord(plaintext.value)))
      return this.receiveShare(env, plaintext.value, xchangePart, progress);
    if (oversize) return oversize;
    // 9. parse
    let payload: Payload;
    if (signedOnly) payload = plaintext.value;
    else {
      const p = decodePayload(plaintext.value);
      if (!p.ok) return p;
      payload = p.value;
    }
    if (progress) await progress({ stage: 'complete', current: 1, total: 1 });
    return ok({
      status: 'complete',
      sender: env.sender,
      recipient: env.recipient,
      scope: env.scope,
      payload,
      version: env.version,
      cleartext: signedOnly,
      timestamp: env.timestamp,
      nonce: base64urlEncode(env.nonce),
    });
  }

  /** An authenticated share envelope / Xchange part: buffer it (split-channel/receive.ts). */
  private async receiveShare(
    env: Envelope,
    plaintext: Uint8Array,
    xchangePart: boolean,
    onProgress: ProgressCallback | undefined,
  ): Promise<Result<ReceiveResult, XlinkErrorDetail>> {
    const max = this.cfg.maxPayloadBytes;
    const part = xchangePart ? decodeXchangePart(plaintext, maxCiphertextFor(max)) : null;
    if (part && !part.ok) return part;
    const share = part ? ok(part.value.share) : decodeShareRecord(plaintext);
    if (!share.ok) return share;
    // r | tag | type byte | data must fit the payload limit.
    if (!part && share.value.originalLength > max + 1 + SPLIT_SECRET_OVERHEAD)
      return xlinkErr(
        'PAYLOAD_TOO_LARGE',
        'split message exceeds the maximum payload size',
        'Send less data or raise maxPayloadBytes',
        { field: 'share' },
      );
    return acceptShare(
      {
        buffer: this.shareBuffer,
        nonceStore: this.nonceStore,
        // DELIVERY-HOOK(retention)
        groupRecordTtlMs:
          nonceRetentionMs(this.cfg.timestampWindowMs, this.cfg.delivery) +
          this.shareBuffer.groupTimeoutMs,
        onProgress,
      },
      {
        mode: part ? 'xchange' : 'split-channel',
        sender: env.sender,
        recipient: env.recipient,
        scope: env.scope,
        version: env.version,
        timestamp: env.timestamp,
        nonce: base64urlEncode(env.nonce),
        share: share.value,
        xchange: part ? { iv: part.value.iv, ciphertext: part.value.ciphertext } : undefined,
      },
    );
  }

  /** Signs as this agent's DID (relay pulls, self-registration, other DID-signed services). */
  requestSigner(): RequestSigner {
    return requestSignerFromIdentity(this.identity);
  }

  /**
   * Signs an HTTP request as this agent (format: src/request-signature.ts, docs/formats.md).
   * @param input method, path as sent, raw body
   * @returns the `x-xlink-did`, `-timestamp`, `-nonce`, `-signature` headers
   */
  signRequest(input: SignedRequestInput): SignedRequestHeaders {
    return signRequest(this.identity, input);
  }

  /**
   * Receives from a relay mailbox until `signal` aborts: pull, `receive()`, `onMessage`, ack
   * after the handler succeeds (semantics: src/relay-listen.ts).
   * @param options relay URL or RelayClient, `onMessage`, `onError`, `signal`, `intervalMs`
   *   (default 500), `waitMs` (long-poll, default 0), `batch` (default 50)
   * @returns resolves once stopped; failures go to `onError` (never rejects)
   */
  listen(options: ListenOptions): Promise<void> {
    const client =
      typeof options.relay === 'string'
        ? new RelayClient({ baseUrl: options.relay, signer: this.requestSigner() })
        : options.relay;
    // DELIVERY-HOOK(expiry): the loop reports expired share groups through onError
    return runListenLoop(
      (i, o) => this.receive(i, o),
      client,
      options,
      () => this.takeExpiredShareGroups(),
    );
  }

  /**
   * Express / node:http middleware verifying `application/xlink-envelope+json` requests and
   * setting `req.agentMessage` (status codes: src/agent-middleware.ts).
   * @param options `maxBodyBytes` (default: the size policy's encoded envelope size), `receiveOptions`
   * @returns `(req, res, next)`
   */
  middleware(options: AgentMiddlewareOptions = {}) {
    return createAgentMiddleware((i, o) => this.receive(i, o), options);
  }
}

/** Same public keys and versions (the `created` time and signature may differ). */
function sameKeys(a: KeyDocument, b: KeyDocument): boolean {
  const opt = (x: Uint8Array | undefined, y: Uint8Array | undefined) =>
    x === undefined || y === undefined ? x === y : sameBytes(x, y);
  return (
    a.did === b.did &&
    sameBytes(a.x25519, b.x25519) &&
    opt(a.xwing, b.xwing) &&
    opt(a.mldsa65, b.mldsa65) &&
    a.versions.join() === b.versions.join()
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
