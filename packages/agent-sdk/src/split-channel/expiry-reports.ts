/**
 * Expired split-channel / Xchange groups as results: the share buffer reports a group that timed
 * out short of its threshold through its event hook (`split-channel.group-expired`); this queue
 * turns those events into `INSUFFICIENT_SHARES` error details that `agent.takeExpiredShareGroups()`
 * hands to the caller and `listen()` reports through `onError` (docs/errors.md#agent-sdk).
 *
 * Bounded: at most `max` reports are kept until taken; older ones are dropped first (and
 * counted in `dropped`), so a caller that never drains cannot grow memory.
 *
 * @module
 */
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';

/** The event name the share buffer emits for an expired group. */
export const GROUP_EXPIRED_EVENT = 'split-channel.group-expired';

/** One expired group, as an error detail plus where it came from. */
export interface ExpiredGroupReport extends XlinkErrorDetail {
  readonly code: 'INSUFFICIENT_SHARES';
  /** Sender DID. */
  readonly sender: string;
  /** Hex group id. */
  readonly groupId: string;
  /** Shares received / needed. */
  readonly received: number;
  readonly threshold: number;
}

/** Bounded queue of expiry reports. */
export class ExpiredGroupQueue {
  private items: ExpiredGroupReport[] = [];
  /** Reports dropped because the queue was full. */
  dropped = 0;

  /** @param max reports kept until taken (default 1 000) */
  constructor(private readonly max = 1000) {}

  /**
   * Share-buffer event hook: records `split-channel.group-expired`, ignores other events.
   * @param event event name
   * @param detail `{ sender, groupId, received, threshold }`
   */
  record(event: string, detail: Record<string, unknown>): void {
    if (event !== GROUP_EXPIRED_EVENT) return;
    const received = Number(detail.received ?? 0);
    const threshold = Number(detail.threshold ?? 0);
    const e = xlinkErr(
      'INSUFFICIENT_SHARES',
      `split group expired with ${received} of ${threshold} shares`,
      'The sender must resend; check that every channel delivers',
    ).error;
    if (this.items.length >= this.max) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push({
      ...e,
      code: 'INSUFFICIENT_SHARES',
      sender: String(detail.sender ?? ''),
      groupId: String(detail.groupId ?? ''),
      received,
      threshold,
    });
  }

  /**
   * Removes and returns every queued report (oldest first).
   * @returns the reports
   */
  take(): ExpiredGroupReport[] {
    const out = this.items;
    this.items = [];
    return out;
  }
}
