/**
 * Receive step 10, `scope`: the envelope's scope is granted to the sender by the registry and
 * accepted by this agent (`acceptScopes`, default: any granted scope).
 *
 * @module
 */
import { xlinkErr } from '../errors.js';
import { scopeGranted } from '../registry.js';
import type { ReceiveStep } from './context.js';

/** @returns `SCOPE_DENIED` (`NOT_GRANTED` / `NOT_ACCEPTED`), or `undefined` */
export const scopeStep: ReceiveStep = (ctx, s) => {
  const scope = s.env!.scope;
  if (!scopeGranted(s.sender!.entry, scope))
    return xlinkErr(
      'SCOPE_DENIED',
      `sender is not granted scope "${scope}"`,
      'Grant the scope in the registry',
      { subCode: 'NOT_GRANTED', field: 'scope' },
    );
  const accept = ctx.config.acceptScopes;
  if (accept && !accept.includes(scope))
    return xlinkErr(
      'SCOPE_DENIED',
      `this agent does not accept scope "${scope}"`,
      'Add it to acceptScopes',
      { subCode: 'NOT_ACCEPTED', field: 'scope' },
    );
  return undefined;
};
