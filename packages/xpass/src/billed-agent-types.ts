/**
 * Public shapes of `withBilling` (with-billing.ts): the billing client an agent uses, options,
 * what `send` and `receive` return, and the per-peer state the wrapper keeps.
 *
 * @module
 */
import type { Agent, AgentMessage, Payload, XlinkErrorDetail } from '@xorida/agent-sdk';
import type { Result } from 'xorida';
import type { ConnectionSecret } from './connection-secret.js';
import type { XpassError } from './errors.js';
import type { XpassShare } from './share-envelope.js';
import type { ShareRequest } from './share-fetch.js';

/** How an agent reaches the billing server. The HTTP client is in `@xorida/xpass/node`. */
export interface BillingClient {
  /** The billing server's 32-byte Ed25519 public key (pinned). */
  readonly publicKey: Uint8Array;
  /**
   * Sends a signed share request.
   * @returns the server's JSON answer (checked by `openShareResponse`), or its error
   */
  fetchShare(request: ShareRequest): Promise<Result<unknown, XpassError>>;
}

/** Options of {@link withBilling}. */
export interface WithBillingOptions {
  /** The billing server: a client, or its base URL (then `serverPublicKey` is required). */
  readonly billingServer: BillingClient | string;
  /** The billing server's pinned 32-byte Ed25519 public key, when `billingServer` is a URL. */
  readonly serverPublicKey?: Uint8Array;
  /**
   * Scope of the billed connection `(agent DID, peer DID, billingScope)` every message of this
   * agent is billed on, whatever Xlink scope the message carries (default `xlink`). The
   * operator's connection must use the same scope, else share fetches answer
   * `CONNECTION_NOT_FOUND` (with `metadata.billingScope`). 1..128 printable ASCII characters.
   */
  readonly billingScope?: string;
  /** Clock, Unix ms (tests); default `Date.now`. */
  readonly now?: () => number;
}

/** What `receive` returns. */
export interface BilledMessage {
  readonly sender: string;
  readonly scope: string;
  /** The payload, or null for a handshake (share-only) message. */
  readonly payload: Payload | null;
  readonly connectionId: string;
  readonly epoch: number;
  /** The raw Xlink message. */
  readonly message: AgentMessage;
}

/** What `send` returns. */
export interface BilledSendReceipt {
  readonly connectionId: string;
  readonly epoch: number;
  /** True when the payload waits for the peer's share (a handshake was sent instead). */
  readonly queued: boolean;
}

/** Errors of `BilledAgent.send` / `receive`: xpass errors or the agent-sdk (Xlink) errors of the envelope layer. */
export type BilledError = XpassError | XlinkErrorDetail;

/** What the wrapper knows about one billed connection (shares, secret, queued payloads). */
export interface PeerState {
  own?: XpassShare;
  peer?: XpassShare;
  secret?: ConnectionSecret;
  /** The peer has sent a ciphertext, so it holds our share of this epoch. */
  peerHasOurs: boolean;
  /** We have sent our share of this epoch. */
  sentOurs: boolean;
  queue: { payload: Payload; scope: string }[];
}

/** An agent whose messages require a paid connection. */
export interface BilledAgent {
  readonly agent: Agent;
  readonly did: string;
  /** The scope of the billed connections (see {@link WithBillingOptions.billingScope}). */
  readonly billingScope: string;
  /**
   * Sends `payload` to `to` on the billed connection `(did, to, billingScope)`.
   * @returns `{ connectionId, epoch, queued }`, or `BILLING_REQUIRED`, `CONNECTION_SUSPENDED`,
   *   `CONNECTION_REVOKED`, `RATE_LIMITED`, `REQUEST_REJECTED`, network or Xlink errors
   */
  send(options: {
    to: string;
    payload: Payload;
    scope: string;
  }): Promise<Result<BilledSendReceipt, BilledError>>;
  /**
   * Receives an envelope: Xlink checks, then the billing layer (own share must be issued, the
   * peer's share must verify, the ciphertext must decrypt).
   * @returns the message (payload null for a handshake), or the errors of `send`, plus
   *   `HMAC_VERIFICATION_FAILED`, `RECONSTRUCTION_FAILED`, `EPOCH_MISMATCH`, `EPOCH_EXPIRED`,
   *   `BILLING_REQUIRED:UNBILLED_MESSAGE`
   */
  receive(envelope: unknown): Promise<Result<BilledMessage, BilledError>>;
  /** Forgets every cached share and secret (e.g. after a suspension notice). */
  forget(): void;
}
