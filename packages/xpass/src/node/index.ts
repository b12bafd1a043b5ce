/**
 * Node-only parts of @xorida/xpass: the billing server (`xpass serve`), its durable connection
 * store, environment configuration, audit-log file verification and the `xpass` CLI program.
 *
 * @module
 */
export {
  auditLines,
  MAX_AUDIT_FILE_BYTES,
  parsePublicKey,
  readSignedHead,
  verifyAuditFile,
} from './audit-file.js';
export {
  type BillingServer,
  type BillingServerOptions,
  startBillingServer,
} from './billing-server.js';
export { type CliIo, runCli } from './cli-program.js';
export { FileConnectionStore } from './file-connection-store.js';
export {
  type OutboundWebhookOptions,
  OutboundWebhooks,
  verifyOutboundWebhook,
  webhookBodyOf,
  webhookSigningInput,
} from './outbound-webhooks.js';
export {
  FileProcessedEventStore,
  PROCESSED_EVENT_RETENTION_MS,
  type ProcessedEventStore,
  RedisProcessedEventStore,
} from './processed-events.js';
export { type RedisConnectionClient, RedisConnectionStore } from './redis-connection-store.js';
export { DEFAULT_XPASS_PORT, type ServerConfig, serverConfigFromEnv } from './server-config.js';
export {
  connectionOfEvent,
  loadStripeMapping,
  parseStripeMapping,
  STRIPE_EVENT_TARGETS,
  type StripeMapping,
  transitionsTo,
} from './stripe-mapping.js';
export {
  DEFAULT_STRIPE_TOLERANCE_S,
  registerStripeWebhookRoute,
  STRIPE_WEBHOOK_PATH,
  type StripeWebhookAnswer,
  type StripeWebhookOptions,
} from './stripe-webhook.js';
