/**
 * What the receive steps share: the agent's side ({@link ReceiveContext}, the same for every
 * envelope) and one envelope's side ({@link ReceiveState}, filled in as the steps run).
 *
 * @module
 */
import type { Result } from 'xorida';
import type { AgentConfig } from '../agent-options.js';
import type { ReceiveOptions, ReceiveResult } from '../agent-types.js';
import type { Envelope } from '../envelope.js';
import type { XlinkErrorDetail } from '../errors.js';
import type { AgentIdentity } from '../identity.js';
import type { KeyDocument } from '../key-document.js';
import type { ShareBuffer } from '../split-channel/share-buffer.js';
import type { Step } from '../step-pipeline.js';
import type { VerifiedPeer, VerifiedPeers } from '../verified-peers.js';
import type { VerifiedStatement, XchangePart } from '../xchange-part.js';

/** The receiving agent, as the steps see it. */
export interface ReceiveContext {
  readonly did: string;
  readonly keyDocument: KeyDocument;
  /** Secret keys: only the decrypt step uses them. */
  readonly identity: AgentIdentity;
  readonly config: AgentConfig;
  /** Incomplete split-channel / Xchange groups. */
  readonly shareBuffer: ShareBuffer;
  readonly peers: VerifiedPeers;
}

/**
 * One envelope on its way through the pipeline. Each field after `options` is set by the step
 * named next to it and read only by later steps.
 */
export interface ReceiveState {
  readonly input: unknown;
  readonly options: ReceiveOptions;
  /** parse: the envelope. */
  env?: Envelope;
  /** parse: signed-only (`alg` = SIGNED_ONLY_ALG), i.e. not encrypted. */
  signedOnly?: boolean;
  /** parse: a signed-only envelope carrying an Xchange part. */
  xchangePart?: boolean;
  /**
   * late-share: the Xchange part body decoded (once; assemble reuses it). The body is the
   * signed-only envelope's ciphertext, which later steps verify but never change.
   */
  xchangeDecoded?: Result<XchangePart, XlinkErrorDetail>;
  /**
   * parse: the `PAYLOAD_TOO_LARGE` answer kept back for an envelope that fits only with
   * SHARE_ENVELOPE_SLACK; returned unless the envelope turns out to be a share (assemble).
   */
  oversize?: Result<never, XlinkErrorDetail>;
  /** nonce-seen: `<sender DID>|<base64url nonce>`, the replay key. */
  nonceKey?: string;
  /** resolve-sender: registry entry and verified key document. */
  sender?: VerifiedPeer;
  /**
   * signatures: an Xchange part's group statement and signature, verified now or covered by
   * the verification of its group's first part (xchange-part.ts).
   */
  xchangeVerified?: VerifiedStatement;
  /** signatures: the encoded header, verified (open.ts); the AEAD associated data. */
  header?: Uint8Array;
  /** decrypt: the plaintext (the payload itself for signed-only envelopes). */
  plaintext?: Uint8Array;
}

/** What the pipeline returns. */
export type ReceiveOutcome = Result<ReceiveResult, XlinkErrorDetail>;

/** A receive step: the answer is an error, or an early result such as a pending share. */
export type ReceiveStep = Step<ReceiveContext, ReceiveState, ReceiveOutcome>;
