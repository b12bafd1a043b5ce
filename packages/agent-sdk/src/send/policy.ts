/**
 * Send step 4, `policy`: the security policy (security-policy.ts) decides between one envelope
 * and k-of-n shares, from the send options and the agent's `security` rules.
 *
 * @module
 */
import { decideSecurity } from '../security-policy.js';
import type { SendStep } from './context.js';

/**
 * Sets `decision`.
 * @returns `INVALID_OPTIONS` (field `security`, `splitChannelConfig`, `xchange`), or `undefined`
 */
export const policyStep: SendStep = (ctx, s) => {
  const o = s.options;
  const decision = decideSecurity(
    {
      security: o.security,
      payload: o.payload,
      scope: o.scope,
      action: o.action,
      splitChannel: o.splitChannel,
      splitChannelConfig: o.splitChannelConfig,
      xchange: o.xchange,
      transports: ctx.config.transports.length,
    },
    ctx.config.security,
  );
  if (!decision.ok) return decision;
  s.decision = decision.value;
  return undefined;
};
