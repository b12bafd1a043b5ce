/**
 * The Agent's public types and constants, in one module that every side of the Agent names:
 * the facade (`agent.ts`), the send and receive pipelines (`send/*`, `receive/*`), the
 * split-channel / Xchange receivers, `agent-middleware.ts`, `relay-listen.ts`, `lazy-agent.ts`
 * and `connect.ts`. Only {@link isPendingShares} and two constants are values; everything else
 * is erased by the compiler, so naming this module never creates an import cycle.
 *
 * @module
 */
import type { DeliveryOptions } from './delivery-freshness.js';
import type { EnvelopeJson } from './envelope.js';
import type { EnvelopeVersion } from './key-document.js';
import type { Payload } from './lib/payload.js';
import type { NonceStore } from './nonce-store.js';
import type { TrustRegistry } from './registry.js';
import type { InjectedRandomness } from './seal.js';
import type {
  SecurityDecision,
  SecurityLevel,
  SecurityPolicyOptions,
  SplitChannelConfig,
} from './security-policy.js';
import { SHARE_FRAMING_BYTES } from './size-policy.js';
import type { SplitSendResult } from './split-channel/send.js';
import type { ShareBufferOptions } from './split-channel/share-buffer.js';
import type { ShareSpool } from './split-channel/share-spool.js';
import type { TransportAdapter } from './transport.js';

/** Bytes a share envelope or Xchange part may exceed `maxPayloadBytes` by (framing, r, tag). */
export const SHARE_ENVELOPE_SLACK = SHARE_FRAMING_BYTES;

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
  readonly delivery?: DeliveryOptions;
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
  /**
   * Durable store of buffered split-channel / Xchange shares (split-channel/share-spool.ts;
   * `FileShareSpool` in node): a relayed share acked before its group completed survives a
   * restart. Default: none (the buffer is memory only).
   */
  readonly shareSpool?: ShareSpool;
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
  readonly testing?: {
    readonly timestamp?: number;
    readonly random?: InjectedRandomness;
    /** Clock in ms for the timestamp and the send-side freshness check (default `Date.now`). */
    readonly now?: () => number;
  };
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
  readonly relayReceipt?: unknown;
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

/** What `receive` returns for a share that does not complete a message (yet). */
export interface PendingShares {
  readonly status: 'pending';
  readonly mode: 'split-channel' | 'xchange';
  readonly sender: string;
  readonly recipient: string;
  readonly scope: string;
  /** base64url groupId. */
  readonly groupId: string;
  /** Distinct shares buffered so far (0 when `delivered`). */
  readonly received: number;
  /** k. */
  readonly threshold: number;
  /** n. */
  readonly total: number;
  /** True when this share repeats a buffered index (ignored). */
  readonly duplicate: boolean;
  /** True when the group was already delivered: this share is ignored. */
  readonly delivered: boolean;
  // Absent on pending results; declared so `result.value.payload` type-checks on the union.
  readonly payload?: undefined;
  readonly version?: undefined;
  readonly cleartext?: undefined;
  readonly timestamp?: undefined;
  readonly nonce?: undefined;
  readonly split?: undefined;
}

/** How a reconstructed message was carried (`AgentMessage.split`). */
export interface SplitMessageInfo {
  readonly mode: 'split-channel' | 'xchange';
  /** base64url groupId. */
  readonly groupId: string;
  readonly k: number;
  readonly n: number;
  /** Share indices combined. */
  readonly indices: number[];
}
