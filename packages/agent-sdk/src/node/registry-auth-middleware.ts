/**
 * `createRegistryAuthMiddleware(token)`: Express (or node:http) middleware for a registry
 * mounted in someone else's app: GET/HEAD pass (resolve is public), every other method needs
 * `Authorization: Bearer <token>`; otherwise 401 `{ error: { code: 'UNAUTHORIZED' } }`.
 *
 * Pitfalls:
 * - Mount it before the registry routes (`app.use('/registry', createRegistryAuthMiddleware(t))`).
 * - An empty token refuses every write (fail closed).
 *
 * @module
 */
import { bearerMatches } from './lib/admin-token.js';

/** Minimal request/response shapes (Express and node:http fit). */
export interface AuthMiddlewareRequest {
  method?: string;
  headers: Record<string, string | string[] | undefined>;
}
export interface AuthMiddlewareResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/**
 * @param token the admin bearer token (e.g. `process.env.REGISTRY_ADMIN_TOKEN`)
 * @returns `(req, res, next)`: calls `next()` for reads and authorised writes, else answers 401
 */
export function createRegistryAuthMiddleware(token: string | undefined) {
  return (req: AuthMiddlewareRequest, res: AuthMiddlewareResponse, next: () => void): void => {
    const m = (req.method ?? 'GET').toUpperCase();
    if (m === 'GET' || m === 'HEAD' || bearerMatches(req.headers.authorization, token)) {
      next();
      return;
    }
    res.statusCode = 401;
    res.setHeader('content-type', 'application/json');
    res.setHeader('www-authenticate', 'Bearer');
    res.end(
      JSON.stringify({
        error: {
          code: 'UNAUTHORIZED',
          message: 'registry writes need the admin bearer token',
          hint: 'Send Authorization: Bearer <token>',
        },
      }),
    );
  };
}
