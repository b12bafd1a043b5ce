/**
 * `@xorida/xghost/node`: build (`ghostBuild`), lease issuing and lease files, the customer
 * runtime (`createGhost`, `node:vm`), the share server (`startGhostServer`) and the CLI.
 *
 * Pitfalls: read the package README's threat model before deploying.
 *
 * @module
 */

export { ed25519Verify, sha256Hex } from '@xorida/agent-sdk/crypto';
export * from '../index.js';
export { type CliIo, runCli } from './cli-program.js';
export {
  type CreateGhostOptions,
  createGhost,
  evaluateModule,
  type Ghost,
  type GhostStatus,
  type OpenLeaseOptions,
  openLeaseFile,
  reconstructVerify,
  verifyManifest,
} from './runtime.js';
export {
  type BillingSource,
  billingFromService,
  billingFromXpassServer,
  type GhostServer,
  type GhostServerOptions,
  type ServedBundle,
  startGhostServer,
} from './server.js';
export {
  type ExportLeaseFileInput,
  exportLeaseFile,
  type GhostBuild,
  type GhostBuildOptions,
  ghostBuild,
  type IssueLeaseInput,
  issueLease,
  type VendorKey,
} from './vendor.js';
