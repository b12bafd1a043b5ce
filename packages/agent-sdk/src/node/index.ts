/**
 * `@xorida/agent-sdk/node`: the Node-only infrastructure of Xlink. Durable stores (a reusable
 * fsync'd JSONL log, file trust registry, file relay store), Redis stores (nonces, registry,
 * relay), the enterprise HTTP+file registry, the registry + relay server (Fastify) and the
 * Express registry auth middleware.
 *
 * Pitfalls: file stores are owned by one process (use Redis to share state between nodes);
 * the relay sees metadata, never plaintext; read the package README's relay threat model.
 *
 * @module
 */

export {
  type AtomicWriteOptions,
  DEFAULT_FILE_MODE,
  syncDir,
  syncDirSync,
  writeFileAtomic,
  writeFileAtomicSync,
} from './atomic-write.js';
export {
  createKeystore,
  defaultKeystorePath,
  KEYSTORE_FORMAT,
  type KeystoreErrorDetail,
  type KeystoreFile,
  keystoreIdentityStore,
  loadKeystore,
  loadOrCreateKeystore,
  writeKeystore,
} from './cli/keystore.js';
export { runCli } from './cli/program.js';
export {
  CliError,
  type CliErrorDetail,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  formatCliError,
  fromCommanderError,
  isCommanderSuccess,
  usageError,
} from './cli-kit/errors.js';
export { type CliIo, runAsMain, waitForSignal } from './cli-kit/io.js';
export {
  applyEnvFallback,
  type EnvOptionSettings,
  envOption,
  InvalidArgumentError,
  logLevelOption,
  MAX_SECRET_FILE_BYTES,
  parseList,
  parsePort,
  parseWholeNumber,
  readSecretFile,
} from './cli-kit/options.js';
export {
  type CliCommand,
  type CliProgram,
  type CliProgramOptions,
  createCliProgram,
  type ResultLike,
  runCliProgram,
} from './cli-kit/program.js';
export {
  DEFAULT_MAX_LOG_RECORD_BYTES,
  DurableLog,
  type DurableLogErrorCode,
  type DurableLogErrorDetail,
  type DurableLogOptions,
  decodeLogLine,
  encodeLogLine,
  type LogRecovery,
} from './durable-log.js';
export {
  createEnterpriseTrustRegistry,
  type EnterpriseRegistryStatus,
  type EnterpriseTrustRegistry,
} from './enterprise-trust-registry.js';
export { type XlinkFastifyOptions, xlinkFastify } from './fastify-plugin.js';
export {
  FileNonceStore,
  type FileNonceStoreErrorDetail,
  type FileNonceStoreOptions,
} from './file-nonce-store.js';
export { FileRelayStore, type FileRelayStoreOptions } from './file-relay-store.js';
export { FileShareSpool } from './file-share-spool.js';
export { FileTrustRegistry, type FileTrustRegistryOptions } from './file-trust-registry.js';
export {
  FileInviteStore,
  type InviteRoutesOptions,
  type InviteStore,
  inviteRoutes,
  type RedisInviteClient,
  RedisInviteStore,
} from './invite-routes.js';
export { bearerMatches } from './lib/admin-token.js';
export { type HttpApiErrorCode, sendError } from './lib/http-errors.js';
export {
  createRequestVerifier,
  installJsonParsers,
  type RequestVerifier,
  SIGNED_REQUEST_HEADERS_SCHEMA,
} from './lib/signed-request-check.js';
export {
  type RedisNonceClient,
  RedisNonceStore,
  type RedisNonceStoreOptions,
} from './redis-nonce-store.js';
export { RedisRelayStore, type RedisRelayStoreOptions } from './redis-relay-store.js';
export { RedisTrustRegistry, type RedisTrustRegistryOptions } from './redis-trust-registry.js';
export {
  type AuthMiddlewareRequest,
  type AuthMiddlewareResponse,
  createRegistryAuthMiddleware,
} from './registry-auth-middleware.js';
export { type RegistryRoutesOptions, registryRoutes } from './registry-routes.js';
export { type RelayRoutesOptions, relayRoutes } from './relay-routes.js';
export {
  DEFAULT_MAX_MAILBOX_MESSAGES,
  DEFAULT_RELAY_TTL_MS,
  type RelayStore,
  type RelayStoreErrorCode,
  type RelayStoreErrorDetail,
  type RelayStoreStats,
  type StoredRelayMessage,
} from './relay-store.js';
export * from './server-kit/index.js';
export {
  createXlinkServer,
  DEFAULT_XLINK_PORT,
  XLINK_SERVER_VERSION,
  type XlinkServer,
  type XlinkServerErrorDetail,
  type XlinkServerOptions,
} from './xlink-server.js';
