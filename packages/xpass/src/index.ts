/**
 * @xorida/xpass: per-connection billing enforcement for machine-to-machine messaging. Each epoch
 * a billing server makes a fresh 256-bit connection secret, splits it 2-of-2 with xorida, signs
 * one share envelope for each agent, hands them out only while the connection is paid, and
 * forgets the secret; messages are encrypted under a key derived from it.
 *
 * Browser-safe entry: no `node:*` imports (crypto comes from `@xorida/agent-sdk/crypto`). The HTTP billing
 * server, the file-backed stores and the `xpass` CLI are in `@xorida/xpass/node`.
 *
 * Pitfalls (README "Threat model"): two colluding agents can keep a reconstructed secret until
 * the epoch ends; suspension stops the next epoch's shares, not the current one.
 *
 * @module
 */
/** `'node'` or `'portable'`: which crypto backend this build resolved to. */
export { cryptoBackendName } from '@xorida/agent-sdk/crypto';

export {
  AuditChain,
  type AuditChainOptions,
  type AuditEntry,
  type AuditEvent,
  type AuditEventType,
  type AuditVerification,
  auditEntryHash,
  auditHeadSigningInput,
  GENESIS_HASH,
  MAX_AUDIT_LINE,
  parseSignedHead,
  type SignedHead,
  type VerifyAuditOptions,
  verifyAuditLog,
} from './audit-chain.js';
export {
  type BillingHttpRequest,
  type BillingHttpResponse,
  type BillingRoutesContext,
  handleBillingRequest,
} from './billing-routes.js';
export {
  BillingService,
  type BillingServiceOptions,
  type CreateConnectionOptions,
  type CreatedConnection,
  type CreateProgress,
  type ListOptions,
  type XpassBillingStatus,
  type XpassConnection,
  type XpassVerification,
} from './billing-service.js';
export {
  checkConnectionId,
  checkDid,
  checkScope,
  connectionIdInput,
  createConnectionId,
  MAX_DID_LENGTH,
  MAX_SCOPE_LENGTH,
  sortDids,
} from './connection-id.js';
export {
  type ConnectionSecret,
  clearDecryptCache,
  decryptWithConnectionSecret,
  decryptWithShares,
  encryptWithConnectionSecret,
  MAX_MESSAGE_BYTES,
  MESSAGE_HEADER_LENGTH,
  type ReconstructOptions,
  type ReconstructProgress,
  reconstructSecret,
  wipeConnectionSecret,
} from './connection-secret.js';
// The original design's two-step names (a vendor handing out both shares itself).
export {
  type ConnectionShares,
  type GeneratedConnectionSecret,
  generateConnectionSecret,
} from './connection-split.js';
export {
  type ConnectionRecord,
  type ConnectionStore,
  MemoryConnectionStore,
  type SplitRecord,
} from './connection-store.js';
export {
  checkBilling,
  configureDefaultBilling,
  createConnection,
  defaultBilling,
  defaultBillingPublicKey,
  listConnections,
  revokeConnection,
  splitForConnection,
  verifyConnection,
} from './default-service.js';
export {
  checkEpochWindow,
  DEFAULT_EPOCH_MS,
  DEFAULT_OVERLAP_MS,
  type EpochConfig,
  type EpochWindow,
  epochAt,
  epochConfig,
  epochWindow,
  MAX_EPOCH,
} from './epoch.js';
export {
  HTTP_STATUS,
  isXpassError,
  XPASS_ERROR_CODES,
  type XpassError,
  type XpassErrorCode,
  type XpassErrorExtra,
  xpassError,
} from './errors.js';
export { httpBillingClient, MAX_BILLING_RESPONSE_BYTES } from './http-billing-client.js';
export { RateLimiter, type RateLimiterOptions } from './rate-limiter.js';
export {
  CONNECTION_SECRET_LENGTH,
  computeCommitment,
  decodeShareEnvelope,
  deriveEpochKeys,
  type EpochKeys,
  encodeShareEnvelope,
  PRODUCT_TYPE_XPASS,
  SHARE_ENVELOPE_LENGTH,
  SHARE_ENVELOPE_VERSION,
  type ShareEnvelopeFields,
  SIGNED_BODY_LENGTH,
  sealShareEnvelope,
  shareEnvelopeFromBase45,
  shareEnvelopeToBase45,
  shareSigningInput,
  verifyShareSignature,
  type XpassShare,
} from './share-envelope.js';
export {
  type ChallengeStore,
  createShareRequest,
  DEFAULT_REQUEST_WINDOW_MS,
  handleShareRequest,
  openShareResponse,
  parseShareRequest,
  type ShareRequest,
  type ShareResponse,
  shareRequestSigningInput,
  shareResponseSigningInput,
} from './share-fetch.js';
export {
  applyTransition,
  CONNECTION_STATUSES,
  type ConnectionStatus,
  checkIssuable,
  DEFAULT_GRACE_MS,
  effectiveStatus,
  TRANSITIONS,
  type Transition,
} from './state-machine.js';
export {
  type BilledAgent,
  type BilledError,
  type BilledMessage,
  type BilledSendReceipt,
  type BillingClient,
  inProcessBillingClient,
  type WithBillingOptions,
  withBilling,
} from './with-billing.js';
