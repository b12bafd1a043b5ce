/**
 * The server kit: one way to build an xorida HTTP server (see app.ts).
 *
 * @module
 */
export {
  createServerKit,
  registeredRoutes,
  type ServerKit,
  type ServerKitError,
  type ServerKitOptions,
} from './app.js';
export { type DataDirContext, defaultDataDir, ensureDataDir } from './data-dir.js';
export { type ErrorShapeOptions, errorDetailFor, installErrorShape } from './error-shape.js';
export {
  HEALTH_RESPONSE_SCHEMA,
  type HealthOptions,
  type HealthReport,
  registerHealth,
} from './health.js';
export { LOG_LEVELS, loggerOptions, REDACTED_LOG_PATHS } from './logging.js';
export { ERROR_RESPONSE_SCHEMA, type OpenApiOptions, registerOpenApi } from './openapi.js';
export {
  type DidCheck,
  type DidLimiter,
  type DidLimits,
  type RateBudget,
  type RateLimitOptions,
  registerRateLimits,
} from './rate-limits.js';
export { installShutdownHandlers, type ShutdownOptions } from './shutdown.js';
