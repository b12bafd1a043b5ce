/**
 * Node-only parts of @xorida/xpass: audit-log file verification and the `xpass` CLI program.
 *
 * @module
 */
export {
  MAX_AUDIT_FILE_BYTES,
  parsePublicKey,
  readSignedHead,
  verifyAuditFile,
} from './audit-file.js';
export { type CliIo, runCli } from './cli-program.js';
