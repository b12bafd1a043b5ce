/**
 * Send step 3, `negotiate-version`: the highest envelope version both key documents list
 * (key-document.ts); the receiver refuses anything lower as a downgrade.
 *
 * @module
 */
import { xlinkErr } from '../errors.js';
import { negotiateVersion } from '../key-document.js';
import type { SendStep } from './context.js';

/**
 * Sets `version`.
 * @returns `VERSION_NEGOTIATION_FAILED`, or `undefined`
 */
export const negotiateVersionStep: SendStep = (ctx, s) => {
  const version = negotiateVersion(ctx.keyDocument, s.recipient!.doc);
  if (version === null)
    return xlinkErr(
      'VERSION_NEGOTIATION_FAILED',
      'no common envelope version',
      'Both peers must support v1',
      { field: 'to' },
    );
  s.version = version;
  return undefined;
};
