/**
 * @xorida/agent-sdk ("Xlink"): did:key identities for services and signed, encrypted,
 * replay- and scope-checked envelopes between them (v1 X25519, v2 X-Wing hybrid KEM,
 * v3 X-Wing + ML-DSA-65), with pluggable trust registries, nonce stores and transports.
 *
 * Crypto backend: `node:crypto` under Node, Web Crypto + `@noble` elsewhere, chosen once through
 * the package's `#crypto` conditional import. `cryptoBackendName` tells which one loaded; the
 * backend itself is the `@xorida/agent-sdk/crypto` export.
 *
 * Pitfalls: read the README threat model (metadata is cleartext, recipient-side compromise
 * exposes recorded traffic, the in-memory nonce store forgets on restart, key documents are
 * Ed25519-signed only). Import only from this entry point; `src/lib/*` is internal.
 *
 * @module
 */

// The Agent facade and its public types.
export { Agent } from './agent.js';
// Infrastructure: HTTP transport, registry client, relay client, signed requests.
export {
  type AgentMiddlewareOptions,
  createAgentMiddleware,
  type MiddlewareRequest,
  type MiddlewareResponse,
} from './agent-middleware.js';
export {
  type AgentLogger,
  type AgentMessage,
  type AgentOptions,
  DEFAULT_TIMESTAMP_WINDOW_MS,
  isPendingShares,
  type PendingShares,
  type ProgressCallback,
  type ProgressEvent,
  type ReceiveOptions,
  type ReceiveResult,
  type SendOptions,
  type SendReceipt,
  SHARE_ENVELOPE_SLACK,
  type SplitMessageInfo,
} from './agent-types.js';
// CLI companions: zero-config connect, invites, API-key migration.
export {
  type AcceptedInvite,
  acceptInvite,
  type Connection,
  type ConnectOptions,
  connect,
  createDiscoveryDocument,
  DISCOVERY_SIGNATURE_LABEL,
  type DiscoveryDocument,
  registryAgent,
  verifyDiscoveryDocument,
} from './connect.js';
export type { CryptoCapabilities, PrimitiveSource } from './crypto.js';
export { cryptoBackendName, cryptoCapabilities } from './crypto.js';
export { dispositionOf } from './delivery-disposition.js';
export {
  checkFreshness,
  DEFAULT_DELIVERY_RELAY_TTL_MS,
  type DeliveryOptions,
  type Freshness,
  nonceRetentionMs,
} from './delivery-freshness.js';
export {
  didFromEd25519PublicKey,
  didKeyAgreementKey,
  didKeyAgreementSecret,
  ED25519_MULTICODEC,
  parseDidKey,
  X25519_MULTICODEC,
} from './did.js';
export {
  type DualMode,
  DualModeAdapter,
  type DualModeAdapterOptions,
  type DualModeAuth,
  type DualModeCallResult,
  DualModeClient,
  type DualModeClientOptions,
  type DualModeMetrics,
  type DualModeRequest,
} from './dual-mode-adapter.js';
export {
  ALG_OF_VERSION,
  DEFAULT_MAX_PAYLOAD_BYTES,
  decodeEnvelope,
  ENVELOPE_ALGS,
  ENVELOPE_MEDIA_TYPE,
  type Envelope,
  type EnvelopeAlg,
  type EnvelopeHeader,
  type EnvelopeJson,
  encodeEnvelope,
  encodeEnvelopeHeader,
  envelopeAad,
  envelopeFromCompact,
  envelopeFromJson,
  envelopeSigningInput,
  envelopeToCompact,
  envelopeToJson,
  parseEnvelope,
  SIGNED_ONLY_ALG,
} from './envelope.js';
// Framework adapters and request/reply over envelopes (Fastify: the ./node entry).
export {
  answerEnvelopeRequest,
  DEFAULT_MAX_ENVELOPE_BODY_BYTES,
  ENVELOPE_ERROR_STATUS,
  type EnvelopeAdapterOptions,
  type EnvelopeHttpAnswer,
  type EnvelopeMessageHandler,
  type HandlerAnswer,
} from './envelope-http.js';
export {
  checkAgent,
  openReply,
  type ReceivedMessage,
  type RepliedRequest,
  type RequestReplyOptions,
  requestReply,
  sealEnvelope,
  sealReply,
  type VerifiedReply,
} from './envelope-reply.js';
export {
  type Categories as XlinkErrorCategories,
  isXlinkError,
  toXlinkError,
  XLINK_ERROR_CATEGORIES,
  XlinkAgentError,
  XlinkEnvelopeError,
  XlinkError,
  type XlinkErrorCategory,
  type XlinkErrorCode,
  type XlinkErrorDetail,
  XlinkIdentityError,
  XlinkKeyAgreementError,
  XlinkRegistryError,
  XlinkSplitChannelError,
  XlinkTransportError,
  xlinkDocsUrl,
} from './errors.js';
export { createFetchHandler, type FetchHandlerOptions } from './fetch-handler.js';
export { HttpTrustRegistry, type HttpTrustRegistryOptions } from './http-trust-registry.js';
export {
  checkBaseUrl,
  HttpsTransportAdapter,
  type HttpsTransportOptions,
} from './https-transport.js';
export {
  type AgentIdentity,
  exportIdentity,
  exportPKCS8,
  generateIdentity,
  IDENTITY_HKDF_LABELS,
  type IdentityExport,
  type IdentityOptions,
  identityFromEd25519Key,
  identityFromSeed,
  importIdentityExport,
  parsePKCS8,
} from './identity.js';
export {
  type CreateInviteOptions,
  createInvite,
  INVITE_PREFIX,
  INVITE_SIGNATURE_LABEL,
  type InviteErrorDetail,
  type InvitePayload,
  inviteRedemptionKey,
  inviteSigningInput,
  parseInvite,
} from './invite.js';
export {
  createKeyDocument,
  type EnvelopeVersion,
  type KeyDocument,
  type KeyDocumentJson,
  keyDocumentFromJson,
  keyDocumentSigningInput,
  keyDocumentToJson,
  negotiateVersion,
  verifyKeyDocument,
} from './key-document.js';
export {
  type IdentityStore,
  LazyAgent,
  type LazyAgentOptions,
  type SetupError as LazyAgentSetupError,
} from './lazy-agent.js';
export type { Ed25519SigningKey, X25519SecretKey } from './lib/crypto/types.js';
export type { HttpCallPolicy } from './lib/http-call.js';
export type { MlDsaKeyPair } from './lib/mldsa.js';
export type { Payload } from './lib/payload.js';
export type { XWingSecretKey } from './lib/xwing.js';
export { XWING_CIPHERTEXT_LENGTH, XWING_PUBLIC_KEY_LENGTH } from './lib/xwing.js';
export { MemoryNonceStore, type NonceStore } from './nonce-store.js';
export { decryptEnvelope, verifyEnvelopeSignatures } from './open.js';
export {
  MemoryTrustRegistry,
  type RegisterInput,
  type RegistryEntry,
  scopeGranted,
  type TrustRegistry,
  validateRegistration,
} from './registry.js';
export {
  type RegistryEntryJson,
  registryEntryFromJson,
  registryEntryToJson,
} from './registry-entry-json.js';
export {
  RelayClient,
  type RelayClientOptions,
  type RelayMessage,
  type RelayRejection,
} from './relay-client.js';
export { type ListenOptions, runListenLoop } from './relay-listen.js';
export {
  envelopeDigest,
  parseRelayReceipt,
  type RelayReceipt,
  signRelayReceipt,
  verifyRelayReceipt,
} from './relay-receipt.js';
export {
  DEFAULT_REQUEST_WINDOW_MS,
  REQUEST_SIGNATURE_LABEL,
  type RequestSigner,
  requestSignerFromIdentity,
  requestSigningInput,
  type SignedRequestHeaders,
  type SignedRequestInput,
  signRequest,
  type VerifiedRequest,
  verifySignedRequest,
} from './request-signature.js';
export {
  type CreateEnvelopeInput,
  type CreateSignedEnvelopeInput,
  createEnvelope,
  createSignedEnvelope,
  ENVELOPE_KEY_LABELS,
  type InjectedRandomness,
} from './seal.js';
export {
  DEFAULT_SECURITY_POLICY,
  decideSecurity,
  MAX_SPLIT_SHARES,
  type SecurityDecision,
  type SecurityInput,
  type SecurityLevel,
  type SecurityPolicyOptions,
  type SplitChannelConfig,
} from './security-policy.js';
export {
  payloadLimitFromEnv,
  SIZE_SETTING,
  type SizeLimits,
  sizeLimits,
} from './size-policy.js';
export { type ExpiredGroupReport, GROUP_EXPIRED_EVENT } from './split-channel/expiry-reports.js';
export {
  buildSplitSecret,
  openSplitSecret,
  SPLIT_SECRET_OVERHEAD,
  SPLIT_TAG_LABELS,
  splitTag,
  type TagContext,
} from './split-channel/integrity.js';
export {
  dispatchShares,
  type ShareDelivery,
  type ShareDeliveryFailure,
  transportFor,
} from './split-channel/routing.js';
export type { SplitSendResult } from './split-channel/send.js';
export {
  DEFAULT_SHARE_BUFFER,
  type IncomingShare,
  type ShareBufferOptions,
} from './split-channel/share-buffer.js';
export {
  decodeShareRecord,
  encodeShareRecord,
  SHARE_PAYLOAD_TYPE,
  SHARE_RECORD_VERSION,
  SPLIT_CHANNEL_PRODUCT_TYPE,
} from './split-channel/share-record.js';
export {
  decodeSpooledShare,
  encodeSpooledShare,
  type ShareSpool,
} from './split-channel/share-spool.js';
export type { XchangeCommon } from './split-channel/xchange-common.js';
export { type EnvelopeHandler, LoopbackTransport, type TransportAdapter } from './transport.js';
export { xchangeAad } from './xchange.js';
export * from './xchange-part.js';
