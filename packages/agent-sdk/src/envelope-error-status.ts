/**
 * The HTTP status of each receive error code, shared by every HTTP entry point that verifies an
 * envelope (`agent.middleware()`, the Fetch handler, the Fastify plugin), so they answer alike:
 * 400 malformed or oversize, 401 authentication, 403 authorization, 503 a dependency down.
 * Codes not listed answer 500. Table: docs/errors.md#agent-sdk.
 *
 * @module
 */

/** HTTP status by `XlinkErrorDetail.code`. */
export const ENVELOPE_ERROR_STATUS: Readonly<Record<string, number>> = {
  ENVELOPE_INVALID: 400,
  UNSUPPORTED_VERSION: 400,
  PAYLOAD_TOO_LARGE: 400,
  INVALID_PAYLOAD: 400,
  CLEARTEXT_NOT_ALLOWED: 400,
  DECRYPT_FAILED: 400,
  VERIFICATION_FAILED: 401,
  REPLAY_DETECTED: 401,
  TIMESTAMP_EXPIRED: 401,
  SCOPE_DENIED: 403,
  RECIPIENT_MISMATCH: 403,
  LOOKUP_FAILED: 503,
  NONCE_STORE_FULL: 503,
};
