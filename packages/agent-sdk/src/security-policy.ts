/**
 * The `security` policy of `agent.send`: which protection level a message gets and therefore how
 * many shares it is split into.
 *
 *   standard = one envelope (no split)      high = 2-of-3 split      critical = 3-of-5 split
 *
 * `auto` (the default) escalates to `high` when the message looks high-risk and otherwise stays
 * `standard`. It escalates only when the agent has at least as many transports as the split has
 * shares (shares over one channel are not independent, so a split there protects nothing a
 * single envelope does not), unless `allowSharedTransport: true`; otherwise it sends one
 * envelope and says so in the decision (`skipped`). Every decision carries `reason` (a code) and
 * `detail` (a sentence naming the rule and the numbers), and the send receipt reports it as
 * `receipt.security`. Default rules (all configurable through `AgentOptions.security`):
 *   - the payload is a JSON object with a finite numeric `amount` strictly above
 *     `amountThreshold` (default 10 000; units are whatever the application uses)
 *   - the scope, or its first `:`-separated segment, is listed in `sensitiveScopes`
 *     (default `custody`, `classified`)
 *   - the send options' `action`, or the payload's string `action`, is listed in
 *     `criticalActions` (default `execute`)
 *
 * The deprecated flags map onto levels: `splitChannel: true` = `high`, `splitChannelConfig`
 * `{ totalShares, threshold }` = an explicit split (2 <= threshold <= totalShares <= 16).
 *
 * Pitfalls:
 * - `auto` inspects only what the SENDER sees; it is a heuristic that escalates, never a
 *   guarantee that sensitive data is split. Force `high`/`critical` where it matters.
 * - The policy never downgrades an explicit level, and Xchange always splits (a `standard`
 *   decision becomes 2-of-3 there, because Xchange without a split has no key transport).
 * - Bytes payloads carry no `amount`/`action`: only the scope and the send option apply.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import type { Payload } from './lib/payload.js';

/** Protection level of one `send`. */
export type SecurityLevel = 'auto' | 'standard' | 'high' | 'critical';

/** Largest share count a split may use (bounds per-message work and buffering). */
export const MAX_SPLIT_SHARES = 16;

/** Configurable rules of the `auto` level (`AgentOptions.security`). */
export interface SecurityPolicyOptions {
  /** `amount` strictly above this escalates to `high` (default 10 000). */
  readonly amountThreshold?: number;
  /** Scopes (whole scope or first `:` segment) that escalate (default custody, classified). */
  readonly sensitiveScopes?: readonly string[];
  /** Actions that escalate (default `execute`). */
  readonly criticalActions?: readonly string[];
  /** Level `auto` escalates to (default `high`). */
  readonly escalateTo?: 'high' | 'critical';
  /**
   * Let `auto` split even over fewer transports than shares (default false: it sends one
   * envelope then, and reports the skipped escalation).
   */
  readonly allowSharedTransport?: boolean;
}

/** Defaults of {@link SecurityPolicyOptions}. */
export const DEFAULT_SECURITY_POLICY = {
  amountThreshold: 10_000,
  sensitiveScopes: ['custody', 'classified'],
  criticalActions: ['execute'],
  escalateTo: 'high',
  allowSharedTransport: false,
} as const satisfies Required<SecurityPolicyOptions>;

/** Deprecated explicit split parameters (the original API's shape). */
export interface SplitChannelConfig {
  /** n, 2..16 (default 3). */
  readonly totalShares?: number;
  /** k, 2..n (default 2). */
  readonly threshold?: number;
}

/** What the policy decides for one message. */
export interface SecurityDecision {
  /** The effective level (never `auto`). */
  readonly level: 'standard' | 'high' | 'critical';
  /** Threshold k (1 for standard). */
  readonly k: number;
  /** Share count n (1 for standard). */
  readonly n: number;
  /**
   * Why (a code): `explicit`, `deprecated-flag`, `amount`, `scope`, `action`, `default`,
   * `xchange`; with `skipped` set, the rule that asked for the escalation.
   */
  readonly reason: string;
  /** Why, as a sentence with the rule and its numbers (for logs and receipts). */
  readonly detail: string;
  /**
   * Set when `auto` wanted to escalate but the agent has fewer transports than shares (and
   * `allowSharedTransport` is off): the level it wanted, and the transport count it saw.
   */
  readonly skipped?: {
    readonly level: 'high' | 'critical';
    readonly k: number;
    readonly n: number;
    readonly transports: number;
  };
}

/** Inputs of {@link decideSecurity}. */
export interface SecurityInput {
  readonly security?: SecurityLevel | undefined;
  readonly payload: Payload;
  readonly scope: string;
  readonly action?: string | undefined;
  /** @deprecated use `security: 'high'` */
  readonly splitChannel?: boolean | undefined;
  /** @deprecated use `security` */
  readonly splitChannelConfig?: SplitChannelConfig | undefined;
  /** Xchange always splits. */
  readonly xchange?: boolean | undefined;
  /** Independent transports the sender has (undefined: not checked, as before). */
  readonly transports?: number | undefined;
}

const SPLIT_OF = { high: { k: 2, n: 3 }, critical: { k: 3, n: 5 } } as const;

/**
 * Validates policy options (at Agent construction).
 * @param o the options or undefined
 * @returns `ok` or `INVALID_OPTIONS` (field `security.*`)
 */
export function validateSecurityPolicy(
  o: SecurityPolicyOptions | undefined,
): Result<void, XlinkErrorDetail> {
  if (o === undefined) return ok(undefined);
  const bad = (field: string, message: string) =>
    xlinkErr('INVALID_OPTIONS', message, 'Fix AgentOptions.security', {
      field: `security.${field}`,
    });
  if (typeof o !== 'object' || o === null) return bad('self', 'security must be an object');
  if (o.amountThreshold !== undefined && !Number.isFinite(o.amountThreshold))
    return bad('amountThreshold', 'amountThreshold must be a finite number');
  for (const f of ['sensitiveScopes', 'criticalActions'] as const) {
    const v = o[f];
    if (v !== undefined && (!Array.isArray(v) || !v.every((s) => typeof s === 'string')))
      return bad(f, `${f} must be an array of strings`);
  }
  if (o.escalateTo !== undefined && o.escalateTo !== 'high' && o.escalateTo !== 'critical')
    return bad('escalateTo', "escalateTo must be 'high' or 'critical'");
  if (o.allowSharedTransport !== undefined && typeof o.allowSharedTransport !== 'boolean')
    return bad('allowSharedTransport', 'allowSharedTransport must be a boolean');
  return ok(undefined);
}

/**
 * Decides the protection level and split parameters of one message (see module doc).
 * @param input the send options that matter (`security`, payload, scope, `action`, deprecated
 *   flags, `xchange`)
 * @param policy the agent's `auto` rules (defaults {@link DEFAULT_SECURITY_POLICY})
 * @returns the decision, or `INVALID_OPTIONS` (field `security` or `splitChannelConfig`)
 */
export function decideSecurity(
  input: SecurityInput,
  policy: SecurityPolicyOptions = {},
): Result<SecurityDecision, XlinkErrorDetail> {
  const level = input.security ?? 'auto';
  if (!['auto', 'standard', 'high', 'critical'].includes(level))
    return xlinkErr(
      'INVALID_OPTIONS',
      "security must be 'auto', 'standard', 'high' or 'critical'",
      'Pass one of the four levels',
      { field: 'security' },
    );
  const cfg = input.splitChannelConfig;
  let d: SecurityDecision;
  if (level !== 'auto') d = fromLevel(level, 'explicit', `security: '${level}' was requested`);
  else if (cfg !== undefined) {
    const n = cfg?.totalShares ?? 3;
    const k = cfg?.threshold ?? 2;
    if (!(Number.isInteger(n) && Number.isInteger(k) && k >= 2 && k <= n && n <= MAX_SPLIT_SHARES))
      return xlinkErr(
        'INVALID_OPTIONS',
        `splitChannelConfig needs integers 2 <= threshold <= totalShares <= ${MAX_SPLIT_SHARES}`,
        "Prefer security: 'high' (2-of-3) or 'critical' (3-of-5)",
        { field: 'splitChannelConfig' },
      );
    d = {
      level: k >= 3 ? 'critical' : 'high',
      k,
      n,
      reason: 'deprecated-flag',
      detail: `splitChannelConfig asked for ${k}-of-${n}`,
    };
  } else if (input.splitChannel === true)
    d = fromLevel('high', 'deprecated-flag', 'splitChannel: true was requested');
  else d = sharedTransportCheck(autoDecision(input, policy), input.transports, policy);
  if (input.xchange && d.level === 'standard')
    return ok(fromLevel('high', 'xchange', 'Xchange always splits (it has no unsplit form)'));
  return ok(d);
}

function fromLevel(
  level: 'standard' | 'high' | 'critical',
  reason: string,
  detail: string,
): SecurityDecision {
  if (level === 'standard') return { level, k: 1, n: 1, reason, detail };
  return { level, ...SPLIT_OF[level], reason, detail };
}

/** `auto` never splits over fewer transports than shares unless the policy allows it. */
function sharedTransportCheck(
  d: SecurityDecision,
  transports: number | undefined,
  policy: SecurityPolicyOptions,
): SecurityDecision {
  if (d.level === 'standard' || transports === undefined || transports >= d.n) return d;
  if (policy.allowSharedTransport === true)
    return {
      ...d,
      detail: `${d.detail}; ${d.n} shares over ${transports} transport(s) (allowSharedTransport)`,
    };
  return {
    level: 'standard',
    k: 1,
    n: 1,
    reason: d.reason,
    detail:
      `${d.detail}, but the agent has ${transports} transport(s) for ${d.n} shares: sent as one ` +
      "envelope (give it more transports, set security.allowSharedTransport, or pass security: 'high')",
    skipped: { level: d.level, k: d.k, n: d.n, transports },
  };
}

function autoDecision(input: SecurityInput, policy: SecurityPolicyOptions): SecurityDecision {
  const threshold = policy.amountThreshold ?? DEFAULT_SECURITY_POLICY.amountThreshold;
  const scopes = policy.sensitiveScopes ?? DEFAULT_SECURITY_POLICY.sensitiveScopes;
  const actions = policy.criticalActions ?? DEFAULT_SECURITY_POLICY.criticalActions;
  const up = policy.escalateTo ?? DEFAULT_SECURITY_POLICY.escalateTo;
  const p = input.payload instanceof Uint8Array ? undefined : input.payload;
  const amount = p?.amount;
  if (typeof amount === 'number' && Number.isFinite(amount) && amount > threshold)
    return fromLevel(up, 'amount', `amount ${amount} > amountThreshold ${threshold}`);
  const head = input.scope.split(':')[0] ?? input.scope;
  if (scopes.includes(input.scope) || scopes.includes(head))
    return fromLevel(up, 'scope', `scope '${input.scope}' is in sensitiveScopes`);
  const action = input.action ?? (typeof p?.action === 'string' ? p.action : undefined);
  if (action !== undefined && actions.includes(action))
    return fromLevel(up, 'action', `action '${action}' is in criticalActions`);
  return fromLevel('standard', 'default', 'no auto rule matched');
}
