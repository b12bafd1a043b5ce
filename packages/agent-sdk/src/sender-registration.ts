/**
 * Pre-send check that the SENDER is registered and granted the scope: a peer refuses envelopes
 * of an unregistered (`VERIFICATION_FAILED:DID_NOT_IN_REGISTRY`), revoked or not-granted sender,
 * so `send` fails early with the same code and a hint instead of reporting success for a message
 * that can never be accepted.
 *
 * Positive answers are cached (LRU, `ttlMs`, default 60 s) so a stream of sends costs one
 * registry lookup per minute. A registry that cannot be reached does not block the send (the
 * recipient lookup that follows reports it).
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { scopeGranted, type TrustRegistry } from './registry.js';

/** Cached sender-registration check (one per agent). */
export class SenderRegistrationCheck {
  private readonly cache: LRUCache<string, true>;

  /** @param ttlMs how long a positive answer is reused, ms (default 60 000) */
  constructor(ttlMs = 60_000) {
    this.cache = new LRUCache<string, true>({ max: 1024, ttl: ttlMs });
  }

  /**
   * Checks `did` in `registry` for `scope`.
   * @param registry the agent's trust registry
   * @param did the sender DID
   * @param scope the message scope
   * @returns ok, or `VERIFICATION_FAILED` (`SENDER_NOT_REGISTERED`, `SENDER_REVOKED`) or
   *   `SCOPE_DENIED:NOT_GRANTED`, each with a hint
   */
  async check(
    registry: TrustRegistry,
    did: string,
    scope: string,
  ): Promise<Result<void, XlinkErrorDetail>> {
    const key = `${did}|${scope}`;
    if (this.cache.get(key)) return ok(undefined);
    const r = await registry.resolve(did);
    if (!r.ok) {
      if (r.error.code !== 'DID_NOT_IN_REGISTRY') return ok(undefined);
      return xlinkErr(
        'VERIFICATION_FAILED',
        'this agent is not registered: the peer would refuse the message (DID_NOT_IN_REGISTRY)',
        'Register first: agent.register(), connect(target, { scopes }), `xlink register --scope <s>` or `xlink connect <target> --scope <s>`',
        { subCode: 'SENDER_NOT_REGISTERED', field: 'sender' },
      );
    }
    if (r.value.status === 'revoked')
      return xlinkErr(
        'VERIFICATION_FAILED',
        'this agent is revoked in the registry: the peer would refuse the message',
        'Create and register a new identity',
        { subCode: 'SENDER_REVOKED', field: 'sender' },
      );
    if (!scopeGranted(r.value, scope))
      return xlinkErr(
        'SCOPE_DENIED',
        `the registry does not grant this agent scope "${scope}": the peer would refuse the message`,
        'Register with that scope (--scope) or ask the registry admin to grant it',
        { subCode: 'NOT_GRANTED', field: 'scope' },
      );
    this.cache.set(key, true);
    return ok(undefined);
  }
}

/**
 * Scopes `connect()` registers a new identity with: the caller's, else every scope (`*`, which a
 * server restricting self-registration refuses with a clear `SCOPE_NOT_SELF_REGISTRABLE`).
 * @param scopes the caller's scopes (`connect` option / `xlink connect --scope`)
 * @returns the scopes to register
 */
export function connectScopes(scopes: readonly string[] | undefined): readonly string[] {
  return scopes?.length ? scopes : ['*'];
}
