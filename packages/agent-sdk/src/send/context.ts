/**
 * What the send steps share: the agent's side ({@link SendContext}) and one message's side
 * ({@link SendState}, filled in as the steps run).
 *
 * @module
 */
import type { Result } from 'xorida';
import type { AgentConfig } from '../agent-options.js';
import type { SendOptions, SendReceipt } from '../agent-types.js';
import type { EnvelopeJson } from '../envelope.js';
import type { XlinkErrorDetail } from '../errors.js';
import type { AgentIdentity } from '../identity.js';
import type { EnvelopeVersion, KeyDocument } from '../key-document.js';
import type { SecurityDecision } from '../security-policy.js';
import type { SenderRegistrationCheck } from '../sender-registration.js';
import type { Step } from '../step-pipeline.js';
import type { VerifiedPeer, VerifiedPeers } from '../verified-peers.js';

/** The sending agent, as the steps see it. */
export interface SendContext {
  /** Secret keys: the seal and split steps sign with them. */
  readonly identity: AgentIdentity;
  readonly keyDocument: KeyDocument;
  readonly config: AgentConfig;
  readonly peers: VerifiedPeers;
  /** Fails a send early when the peer would refuse this agent as unregistered. */
  readonly senderCheck: SenderRegistrationCheck;
  /** The fewer-transports-than-shares warning is given once per agent. */
  readonly routingWarning: { given: boolean };
}

/**
 * One message on its way through the pipeline. Each field after `options` is set by the step
 * named next to it and read only by later steps.
 */
export interface SendState {
  readonly options: SendOptions;
  /** validate: the encoded payload (lib/payload.ts). */
  plaintext?: Uint8Array;
  /** resolve-recipient: registry entry and verified key document. */
  recipient?: VerifiedPeer;
  /** negotiate-version. */
  version?: EnvelopeVersion;
  /** policy: protection level and k of n. */
  decision?: SecurityDecision;
  /** seal: the envelope, JSON form. */
  envelope?: EnvelopeJson;
}

/** What the pipeline returns. */
export type SendOutcome = Result<SendReceipt, XlinkErrorDetail>;

/** A send step: the answer is an error or the receipt. */
export type SendStep = Step<SendContext, SendState, SendOutcome>;
