/**
 * The billing state machine of a connection (Connection Lifecycle):
 *
 *   PENDING --activate--> ACTIVE --suspend--> SUSPENDED --grace--> GRACE --revoke--> REVOKED
 *   SUSPENDED | GRACE | REVOKED --reactivate--> ACTIVE
 *   PENDING | ACTIVE | SUSPENDED | GRACE --revoke--> REVOKED
 *
 * Shares are issued in ACTIVE and GRACE (grace = the 72 h default window to settle the bill with
 * communication still possible), refused in PENDING (`BILLING_REQUIRED`), SUSPENDED
 * (`CONNECTION_SUSPENDED`) and REVOKED (`CONNECTION_REVOKED`). A GRACE connection whose grace
 * period has ended counts as REVOKED (`effectiveStatus`), and is stored as such at its next
 * change. Every other transition returns `INVALID_TRANSITION`.
 *
 * Pitfall: suspending does not take back shares already issued for the current epoch (the
 * bypass window, see README); it stops the NEXT epoch's shares.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type XpassError, xpassErr } from './errors.js';

/** Billing status of a connection (lowercase, as `checkBilling` reports it). */
export type ConnectionStatus = 'pending' | 'active' | 'suspended' | 'grace' | 'revoked';
/** Every status, in lifecycle order. */
export const CONNECTION_STATUSES: readonly ConnectionStatus[] = [
  'pending',
  'active',
  'suspended',
  'grace',
  'revoked',
];
/** The operations that change a status. */
export type Transition = 'activate' | 'suspend' | 'grace' | 'revoke' | 'reactivate';
/** Default grace period: 72 h in milliseconds. */
export const DEFAULT_GRACE_MS = 72 * 60 * 60 * 1000;

/** From which statuses each transition is legal. */
export const TRANSITIONS: Readonly<Record<Transition, readonly ConnectionStatus[]>> = {
  activate: ['pending'],
  suspend: ['active'],
  grace: ['suspended'],
  revoke: ['pending', 'active', 'suspended', 'grace'],
  reactivate: ['suspended', 'grace', 'revoked'],
};

const TARGET: Readonly<Record<Transition, ConnectionStatus>> = {
  activate: 'active',
  suspend: 'suspended',
  grace: 'grace',
  revoke: 'revoked',
  reactivate: 'active',
};

/**
 * Applies a transition.
 * @param from the current (effective) status
 * @param transition the operation
 * @returns the new status, or `INVALID_TRANSITION` (metadata `{ from, transition }`)
 */
export function applyTransition(
  from: ConnectionStatus,
  transition: Transition,
): Result<ConnectionStatus, XpassError> {
  const allowed = TRANSITIONS[transition];
  if (allowed === undefined || !allowed.includes(from))
    return xpassErr(
      'INVALID_TRANSITION',
      `cannot ${String(transition)} a connection that is ${from}`,
      {
        metadata: { from, transition: String(transition) },
      },
    );
  return ok(TARGET[transition]);
}

/**
 * The status that applies at `nowMs`: GRACE past `graceUntil` is REVOKED.
 * @param status stored status
 * @param graceUntil end of the grace period (Unix ms) or null
 * @param nowMs Unix ms
 */
export function effectiveStatus(
  status: ConnectionStatus,
  graceUntil: number | null,
  nowMs: number,
): ConnectionStatus {
  return status === 'grace' && graceUntil !== null && nowMs >= graceUntil ? 'revoked' : status;
}

/**
 * Whether shares may be issued in `status`, and the error if not.
 * @returns `ok(undefined)` for active/grace; `BILLING_REQUIRED` (pending), `CONNECTION_SUSPENDED`,
 *   `CONNECTION_REVOKED`
 */
export function checkIssuable(
  status: ConnectionStatus,
  connectionId: string,
): Result<void, XpassError> {
  switch (status) {
    case 'active':
    case 'grace':
      return ok(undefined);
    case 'pending':
      return xpassErr('BILLING_REQUIRED', `connection ${connectionId} is not paid yet`, {
        metadata: { status },
      });
    case 'suspended':
      return xpassErr('CONNECTION_SUSPENDED', `connection ${connectionId} is suspended`, {
        metadata: { status },
      });
    default:
      return xpassErr('CONNECTION_REVOKED', `connection ${connectionId} is revoked`, {
        metadata: { status },
      });
  }
}
