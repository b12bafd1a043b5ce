/**
 * Which nodes to read for one chunk during a restore: with more than k usable nodes and
 * `crossCheck`, all of them (so bad nodes are named); otherwise the k preferred nodes, and every
 * usable node only when that first attempt fails or finds a bad share.
 *
 * @module
 */
import type { RecoverOutput } from './chunk-work.js';
import type { Session } from './restore-session.js';

/**
 * Fetches and recovers chunk `c`, recording what was learnt about nodes and claims in `s`.
 * @param s the restore session
 * @param c chunk index
 * @param crossCheck read every usable node when more than k are given
 * @returns the recovery result (rejects only if the worker pool fails; wrap in `s.safely`)
 */
export async function recoverWork(
  s: Session,
  c: number,
  crossCheck: boolean,
): Promise<RecoverOutput> {
  if (crossCheck && s.usable.length > s.k) {
    // More than k nodes given: read them all and check each, so bad ones are named.
    const f = await s.fetch(c, s.usable);
    const r = await s.recover(c, f.cand, true);
    s.learn(c, f.ids, r);
    return r;
  }
  const first = s.preferred().slice(0, s.k);
  const f1 = await s.fetch(c, first);
  const r1 = await s.recover(c, f1.cand, false);
  if (r1.ok && r1.value.badNodes.length === 0) {
    s.learn(c, f1.ids, r1);
    return r1;
  }
  // A failure or a bad share: ask every usable node; digests decide per share.
  const all = s.preferred();
  if (all.length <= first.length) {
    s.learn(c, f1.ids, r1);
    return r1;
  }
  const f2 = await s.fetch(c, all);
  const r2 = await s.recover(c, f2.cand, false);
  s.learn(c, f2.ids, r2);
  return r2;
}
