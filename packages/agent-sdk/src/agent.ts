/**
 * `Agent`: an entity with its own identity that sends and receives envelopes through a
 * registry and a transport. Both peers run the same code; there is no client or server.
 *
 * This class is a facade: it holds the identity, the resolved options (agent-options.ts), the
 * verified-peer cache and the share buffer, and hands each call to the module that does the
 * work:
 *   - `send`: the send pipeline, send/pipeline.ts (validate, resolve-recipient,
 *     negotiate-version, policy, split, seal, transport);
 *   - `receive`: the receive pipeline, receive/pipeline.ts (parse, late-share, timestamp,
 *     nonce-seen, resolve-sender, revoked, downgrade, signatures, record-nonce, scope, decrypt,
 *     assemble, deliver);
 *   - `listen`: relay-listen.ts; `middleware`: agent-middleware.ts (both only need `receive`);
 *   - `register` and the factories: agent-registration.ts.
 *
 * Dependency direction: lazy-agent.ts and connect.ts build on this class, never the other way
 * round. `Agent.lazy` is therefore a factory that lazy-agent.ts provides when it is loaded (the
 * package entry, index.ts, loads it), so no value import leads from here back to them.
 *
 * @module
 */

import { ok, type Result } from 'xorida';
import { type AgentMiddlewareOptions, createAgentMiddleware } from './agent-middleware.js';
import { type AgentConfig, agentConfig } from './agent-options.js';
import { registerSelf } from './agent-registration.js';
import type {
  AgentOptions,
  ReceiveOptions,
  ReceiveResult,
  SendOptions,
  SendReceipt,
} from './agent-types.js';
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
import { createKeyDocument, type EnvelopeVersion, type KeyDocument } from './key-document.js';
import type { LazyAgent, LazyAgentOptions } from './lazy-agent.js';
import type { NonceStore } from './nonce-store.js';
import type { ReceiveContext } from './receive/context.js';
import { runReceivePipeline } from './receive/pipeline.js';
import { MemoryTrustRegistry, type TrustRegistry } from './registry.js';
import { RelayClient } from './relay-client.js';
import { type ListenOptions, runListenLoop } from './relay-listen.js';
import {
  type RequestSigner,
  requestSignerFromIdentity,
  type SignedRequestHeaders,
  type SignedRequestInput,
  signRequest,
} from './request-signature.js';
import type { SendContext } from './send/context.js';
import { runSendPipeline } from './send/pipeline.js';
import { SenderRegistrationCheck } from './sender-registration.js';
import { shareBufferOptions } from './size-policy.js';
import { ExpiredGroupQueue, type ExpiredGroupReport } from './split-channel/expiry-reports.js';
import { ShareBuffer } from './split-channel/share-buffer.js';
import { dropExpiredFromSpool } from './split-channel/share-spool.js';
import { LoopbackTransport, type TransportAdapter } from './transport.js';
import { VerifiedPeers } from './verified-peers.js';

let lazyAgentFactory: ((options: LazyAgentOptions) => LazyAgent) | undefined;

/**
 * Supplies `Agent.lazy` (called once, by lazy-agent.ts, when that module loads).
 * @param factory builds a LazyAgent from its options
 */
export function provideLazyAgentFactory(factory: (options: LazyAgentOptions) => LazyAgent): void {
  lazyAgentFactory = factory;
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
  private readonly config: AgentConfig;
  // Incomplete share groups on receive (split-channel and Xchange).
  private readonly shareBuffer: ShareBuffer;
  // INSUFFICIENT_SHARES reports of expired split groups, until taken.
  private readonly expired = new ExpiredGroupQueue();
  private readonly sending: SendContext;
  private readonly receiving: ReceiveContext;

  private constructor(identity: AgentIdentity, keyDocument: KeyDocument, config: AgentConfig) {
    this.identity = identity;
    this.did = identity.did;
    this.keyDocument = keyDocument;
    this.config = config;
    this.name = config.name;
    this.registry = config.registry;
    this.transport = config.transport;
    this.nonceStore = config.nonceStore;
    this.transports = config.transports;
    // The per-sender share buffer derives from maxPayloadBytes (size-policy.ts); expired groups
    // also become INSUFFICIENT_SHARES reports for the caller, not only log events.
    this.shareBuffer = new ShareBuffer(
      shareBufferOptions(config.splitChannel, config.maxPayloadBytes),
      (e, d) => {
        this.expired.record(e, d);
        dropExpiredFromSpool(config.shareSpool, e, d);
        config.logger.info?.(e, d);
      },
    );
    // One cache of verified key documents for both directions.
    const peers = new VerifiedPeers(config.registry);
    this.sending = {
      identity,
      keyDocument,
      config,
      peers,
      senderCheck: new SenderRegistrationCheck(),
      routingWarning: { given: false },
    };
    this.receiving = {
      did: identity.did,
      keyDocument,
      identity,
      config,
      shareBuffer: this.shareBuffer,
      peers,
    };
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
   * Split groups that expired short of their threshold since the last call.
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
    const config = agentConfig(options);
    if (!config.ok) return config;
    const doc = createKeyDocument(identity, options.versions ? { versions: options.versions } : {});
    if (!doc.ok) return doc;
    return ok(new Agent(identity, doc.value, config.value));
  }

  private async registerSelf(allowExisting: boolean): Promise<Result<Agent, XlinkErrorDetail>> {
    const r = await registerSelf(
      {
        registry: this.registry,
        keyDocument: this.keyDocument,
        scopes: this.config.scopes,
        name: this.name,
      },
      allowExisting,
    );
    return r.ok ? ok(this) : r;
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
   * @throws Error when lazy-agent.ts was not loaded (import Agent from the package entry)
   */
  static lazy(options: LazyAgentOptions): LazyAgent {
    if (!lazyAgentFactory)
      throw new Error('Agent.lazy: lazy-agent.js is not loaded; import from @xorida/agent-sdk');
    return lazyAgentFactory(options);
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

  /**
   * Encrypts, signs and delivers a payload (the send pipeline, send/pipeline.ts; version
   * negotiated from both key documents).
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
  send(options: SendOptions): Promise<Result<SendReceipt, XlinkErrorDetail>> {
    return runSendPipeline(this.sending, options);
  }

  /**
   * Runs the receive pipeline (receive/pipeline.ts) on an envelope in any form: JSON object
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
  receive(
    input: unknown,
    receiveOptions?: ReceiveOptions | null,
  ): Promise<Result<ReceiveResult, XlinkErrorDetail>> {
    return runReceivePipeline(this.receiving, input, receiveOptions ?? {});
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
   * @param options relay URL (its client reads pull answers up to this agent's
   *   `maxPayloadBytes`, size-policy.ts) or RelayClient, `onMessage`, `onError`, `signal`,
   *   `intervalMs` (default 500), `waitMs` (long-poll, default 0), `batch` (default 50)
   * @returns resolves once stopped; failures go to `onError` (never rejects)
   */
  listen(options: ListenOptions): Promise<void> {
    const { relay } = options;
    const { maxPayloadBytes } = this.config;
    const client =
      typeof relay === 'string'
        ? new RelayClient({ baseUrl: relay, signer: this.requestSigner(), maxPayloadBytes })
        : relay;
    const takeExpired = () => this.takeExpiredShareGroups();
    return runListenLoop((i, o) => this.receive(i, o), client, options, takeExpired);
  }

  /**
   * Express / node:http middleware verifying `application/xlink-envelope+json` requests and
   * setting `req.agentMessage` (status codes: src/agent-middleware.ts).
   * @param options `maxBodyBytes` (default 2 MiB), `receiveOptions`
   * @returns `(req, res, next)`
   */
  middleware(options: AgentMiddlewareOptions = {}) {
    return createAgentMiddleware((i, o) => this.receive(i, o), options);
  }
}
