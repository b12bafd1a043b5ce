/**
 * Receiver-side buffer of incomplete share groups (split-channel and Xchange), keyed by
 * sender DID and groupId, until k distinct shares of a group are present.
 *
 * Bounds (all configurable through `AgentOptions.splitChannel`):
 *   - a group not completed within `groupTimeoutMs` (default 30 000 ms) is dropped and its
 *     share payloads are zeroed (a timer per group, unref'd, plus a lazy sweep on every add);
 *   - per sender at most `maxBufferedBytesPerSender` bytes (default 8 MiB) and
 *     `maxGroupsPerSender` groups (default 256); at most `maxGroups` groups overall (10 000).
 *     A share that would exceed a bound is refused (`PAYLOAD_TOO_LARGE:SHARE_BUFFER_FULL`);
 *     groups already buffered are kept, so a flooding sender only exhausts its own budget.
 *
 * Pitfalls:
 * - Only AUTHENTICATED shares may be added (the Agent adds them after signature, replay and
 *   scope checks), so a flood of orphan shares must come from a registered sender and is
 *   bounded by that sender's budget.
 * - Every share of a group must agree on mode, scope, envelope version, k, n and length (and for
 *   Xchange on the ciphertext); a disagreement drops the whole group (`INCONSISTENT_SHARES`).
 * - The buffer lives in memory; an agent with a share spool (share-spool.ts) refills it after a restart.
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import { bytesToHex, type DecodedShare, ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { giveBack } from '../lib/deferred-text.js';
import type { VerifiedStatement } from '../xchange-part.js';
import { type XchangeCommon, xchangeCommonBytes, xchangeMismatch } from './xchange-common.js';

/**
 * Nonce-store key of the per-group replay record (see split-channel/receive.ts).
 * @param sender sender DID
 * @param groupId 16-byte groupId
 * @returns `xlink-group|<sender>|<groupId hex>`
 */
export function groupRecordKey(sender: string, groupId: Uint8Array): string {
  return `xlink-group|${sender}|${bytesToHex(groupId)}`;
}

/** Limits of the share buffer. */
export interface ShareBufferOptions {
  /** Lifetime of an incomplete group, ms (default 30 000). */
  readonly groupTimeoutMs?: number;
  /** Buffered share bytes per sender (default 8 MiB). */
  readonly maxBufferedBytesPerSender?: number;
  /** Incomplete groups per sender (default 256). */
  readonly maxGroupsPerSender?: number;
  /** Incomplete groups overall (default 10 000). */
  readonly maxGroups?: number;
  /** Clock in ms (tests); default `Date.now`. */
  readonly now?: () => number;
}

/** Defaults of {@link ShareBufferOptions}. */
export const DEFAULT_SHARE_BUFFER = {
  groupTimeoutMs: 30_000,
  maxBufferedBytesPerSender: 8 * 1024 * 1024,
  maxGroupsPerSender: 256,
  maxGroups: 10_000,
} as const;

/** One authenticated share as the Agent hands it over. */
export interface IncomingShare {
  readonly mode: 'split-channel' | 'xchange';
  readonly sender: string;
  readonly recipient: string;
  readonly scope: string;
  readonly version: 1 | 2 | 3;
  /** Envelope timestamp, ms. */
  readonly timestamp: number;
  /** base64url envelope nonce. */
  readonly nonce: string;
  readonly share: DecodedShare;
  /**
   * Xchange only: AES-GCM IV (12) and ciphertext shared by every part, and the group statement
   * and signature the part was checked against (none for a part restored from the spool).
   */
  readonly xchange?: XchangeCommon | undefined;
  /** Deadline (ms) of a group restored from the share spool (share-spool.ts); else now + timeout. */
  readonly groupDeadline?: number | undefined;
}

/** A buffered group. */
export interface ShareGroup {
  readonly key: string;
  readonly mode: 'split-channel' | 'xchange';
  readonly sender: string;
  readonly recipient: string;
  readonly scope: string;
  readonly version: 1 | 2 | 3;
  readonly groupId: Uint8Array;
  readonly k: number;
  readonly n: number;
  readonly parts: Map<number, IncomingShare>;
  /** Earliest envelope timestamp seen, ms. */
  firstTimestamp: number;
  bytes: number;
  readonly expiresAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Outcome of {@link ShareBuffer.add}. */
export type AddOutcome =
  | { readonly state: 'pending'; readonly group: ShareGroup; readonly duplicate: boolean }
  | { readonly state: 'complete'; readonly group: ShareGroup }
  | { readonly state: 'completed-before' };

/** What the buffer remembers about a delivered group's remaining (late) shares. */
export interface LateShareInfo {
  readonly mode: 'split-channel' | 'xchange';
  readonly recipient: string;
  readonly scope: string;
  /** base64url groupId. */
  readonly groupId: string;
  readonly k: number;
  readonly n: number;
}

/** Events reported to the agent's logger. */
export type ShareBufferEvent = (event: string, detail: Record<string, unknown>) => void;

/** See module doc. */
export class ShareBuffer {
  private readonly groups = new Map<string, ShareGroup>();
  private readonly senderBytes = new Map<string, number>();
  private readonly senderGroups = new Map<string, number>();
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxPerSender: number;
  private readonly maxGroups: number;
  private readonly now: () => number;
  // sender|nonce of the not-yet-seen shares of delivered groups (bounded, TTL): lets the Agent
  // acknowledge a late share without decrypting it. Losing an entry only costs time.
  private readonly late: LRUCache<string, LateShareInfo>;
  // Groups completed within the last group timeout, so concurrent receives of the same group
  // cannot start a second group before the per-group record is stored.
  private readonly completed: LRUCache<string, true>;

  /**
   * @param options limits (see {@link ShareBufferOptions})
   * @param onEvent logger hook for `split-channel.group-expired`
   */
  constructor(
    options: ShareBufferOptions = {},
    private readonly onEvent: ShareBufferEvent = () => {},
  ) {
    this.timeoutMs = options.groupTimeoutMs ?? DEFAULT_SHARE_BUFFER.groupTimeoutMs;
    this.maxBytes =
      options.maxBufferedBytesPerSender ?? DEFAULT_SHARE_BUFFER.maxBufferedBytesPerSender;
    this.maxPerSender = options.maxGroupsPerSender ?? DEFAULT_SHARE_BUFFER.maxGroupsPerSender;
    this.maxGroups = options.maxGroups ?? DEFAULT_SHARE_BUFFER.maxGroups;
    this.now = options.now ?? Date.now;
    // Bounded by lru-cache on this buffer's clock (tests move it; resolution 0: no cached time).
    // A full map evicts its least recently used entry in O(1): a scan for expired entries on
    // every insert cost ~7 % of an Xchange round trip once 10 000 groups had completed.
    const clock = { perf: { now: () => this.now() }, ttlResolution: 0 };
    this.completed = new LRUCache({ max: this.maxGroups, ttl: this.timeoutMs, ...clock });
    this.late = new LRUCache({ max: 4 * this.maxGroups, ...clock });
  }

  /** Lifetime of an incomplete group, ms. */
  get groupTimeoutMs(): number {
    return this.timeoutMs;
  }

  /**
   * Current usage.
   * @returns number of incomplete groups, total buffered bytes, and bytes of one sender
   */
  stats(sender?: string): { groups: number; bytes: number; senderBytes: number } {
    let bytes = 0;
    for (const v of this.senderBytes.values()) bytes += v;
    return {
      groups: this.groups.size,
      bytes,
      senderBytes: sender === undefined ? 0 : (this.senderBytes.get(sender) ?? 0),
    };
  }

  /**
   * Adds one authenticated share.
   * @param part the share and its envelope context
   * @returns `pending` (with `duplicate` when the index was already buffered) or `complete`
   *   (the group is removed from the buffer; the caller reconstructs and wipes it), or
   *   `completed-before` (the group completed within the last group timeout), or
   *   `INCONSISTENT_SHARES` (`PARAMETER_MISMATCH`, `CIPHERTEXT_MISMATCH`, `STATEMENT_MISMATCH`; the
   *   group is dropped)
   *   or `PAYLOAD_TOO_LARGE:SHARE_BUFFER_FULL`
   */
  add(part: IncomingShare): Result<AddOutcome, XlinkErrorDetail> {
    this.sweep();
    const s = part.share;
    const key = `${part.sender}|${bytesToHex(s.groupId)}`;
    // Completed a moment ago (its per-group record may still be on its way to the nonce store).
    if (this.completed.has(key)) return ok({ state: 'completed-before' });
    const size = s.payload.length;
    let g = this.groups.get(key);
    if (g) {
      if (
        g.mode !== part.mode ||
        g.scope !== part.scope ||
        g.version !== part.version ||
        g.k !== s.k ||
        g.n !== s.n ||
        g.parts.values().next().value?.share.originalLength !== s.originalLength
      ) {
        this.drop(g);
        return xlinkErr(
          'INCONSISTENT_SHARES',
          'share parameters (mode, scope, version, k, n or length) differ within one group',
          'The sender mixed shares of different messages under one groupId',
          { subCode: 'PARAMETER_MISMATCH', field: 'share' },
        );
      }
      if (part.mode === 'xchange') {
        const mismatch = xchangeMismatch(g.parts.values().next().value?.xchange, part.xchange);
        if (mismatch) {
          this.drop(g);
          return mismatch;
        }
      }
      if (g.parts.has(s.index)) return ok({ state: 'pending', group: g, duplicate: true });
      const used = this.senderBytes.get(part.sender) ?? 0;
      if (used + size > this.maxBytes) return full('buffered bytes of this sender');
    } else {
      const common = xchangeCommonBytes(part.xchange);
      const extra = size + common;
      if ((this.senderBytes.get(part.sender) ?? 0) + extra > this.maxBytes)
        return full('buffered bytes of this sender');
      if ((this.senderGroups.get(part.sender) ?? 0) >= this.maxPerSender)
        return full('incomplete groups of this sender');
      if (this.groups.size >= this.maxGroups) return full('incomplete groups overall');
      g = {
        key,
        mode: part.mode,
        sender: part.sender,
        recipient: part.recipient,
        scope: part.scope,
        version: part.version,
        groupId: s.groupId,
        k: s.k,
        n: s.n,
        parts: new Map(),
        firstTimestamp: part.timestamp,
        bytes: 0,
        expiresAt: part.groupDeadline ?? this.now() + this.timeoutMs,
        timer: undefined,
      };
      this.groups.set(key, g);
      this.bump(this.senderGroups, part.sender, 1);
      g.bytes += common;
      this.bump(this.senderBytes, part.sender, common);
    }
    // Xchange parts repeat one ciphertext: keep (and count) only the first copy.
    g.parts.set(s.index, g.parts.size === 0 ? part : { ...part, xchange: undefined });
    g.bytes += size;
    g.firstTimestamp = Math.min(g.firstTimestamp, part.timestamp);
    this.bump(this.senderBytes, part.sender, size);
    if (g.parts.size >= g.k) {
      this.release(g);
      this.markCompleted(key);
      return ok({ state: 'complete', group: g });
    }
    if (g.timer === undefined) {
      const group = g;
      g.timer = setTimeout(() => this.expire(group), Math.max(0, g.expiresAt - this.now()));
      // Do not keep a process alive just to expire a buffer.
      (g.timer as { unref?: () => void }).unref?.();
    }
    return ok({ state: 'pending', group: g, duplicate: false });
  }

  /**
   * Remembers the envelope nonces of a delivered group's shares that have not arrived yet.
   * At most 4 x `maxGroups` entries; when full, the least recently used one goes first.
   * @param sender sender DID
   * @param nonces base64url envelope nonces
   * @param info what to report when one arrives
   * @param ttlMs how long to remember, ms
   */
  rememberLate(
    sender: string,
    nonces: readonly string[],
    info: LateShareInfo,
    ttlMs: number,
  ): void {
    for (const nonce of nonces) this.late.set(`${sender}|${nonce}`, info, { ttl: ttlMs });
  }

  /**
   * Looks up a late share of a delivered group by its envelope nonce (kept until it expires,
   * so repeats are acknowledged the same way).
   * @param sender sender DID
   * @param nonce base64url envelope nonce
   * @returns what was remembered, or undefined
   */
  lateShare(sender: string, nonce: string): LateShareInfo | undefined {
    return this.late.size === 0 ? undefined : this.late.get(`${sender}|${nonce}`);
  }

  /**
   * The group statement verified for a buffered Xchange group (xchange-part.ts), so that its
   * later parts need no second Ed25519 verification; it lives and goes with the group.
   * @param sender sender DID
   * @param groupId 16-byte groupId
   * @returns the statement and signature, or undefined (no such group, or restored from spool)
   */
  xchangeStatement(sender: string, groupId: Uint8Array): VerifiedStatement | undefined {
    if (this.groups.size === 0) return undefined;
    const g = this.groups.get(`${sender}|${bytesToHex(groupId)}`);
    return g?.mode === 'xchange' ? g.parts.values().next().value?.xchange?.verified : undefined;
  }

  /** Drops every buffered group (wiping payloads) and cancels timers. */
  clear(): void {
    for (const g of [...this.groups.values()]) this.drop(g);
  }

  /** Expires overdue groups (called on every add; timers do the same when idle). */
  sweep(): void {
    const now = this.now();
    for (const g of [...this.groups.values()]) if (g.expiresAt <= now) this.expire(g);
  }

  private expire(g: ShareGroup): void {
    if (this.groups.get(g.key) !== g) return;
    this.onEvent('split-channel.group-expired', {
      code: 'INSUFFICIENT_SHARES',
      sender: g.sender,
      groupId: bytesToHex(g.groupId),
      received: g.parts.size,
      threshold: g.k,
    });
    this.drop(g);
  }

  /** Marks a group key as completed for one group timeout (bounded like the late nonces). */
  private markCompleted(key: string): void {
    this.completed.set(key, true);
  }

  /** Removes a group from the accounting (without wiping: the caller still needs it). */
  private release(g: ShareGroup): void {
    if (g.timer !== undefined) clearTimeout(g.timer);
    g.timer = undefined;
    this.groups.delete(g.key);
    this.bump(this.senderGroups, g.sender, -1);
    this.bump(this.senderBytes, g.sender, -g.bytes);
  }

  private drop(g: ShareGroup): void {
    this.release(g);
    wipeGroup(g);
  }

  private bump(map: Map<string, number>, sender: string, delta: number): void {
    const v = (map.get(sender) ?? 0) + delta;
    if (v <= 0) map.delete(sender);
    else map.set(sender, v);
  }
}

/**
 * Zeroes every share payload (and Xchange ciphertext) of a group; see `giveBack` for why.
 * @param g a group released from the buffer
 */
export function wipeGroup(g: ShareGroup): void {
  for (const p of g.parts.values()) {
    giveBack(p.share.payload.fill(0));
    p.xchange?.ciphertext.fill(0);
  }
  g.parts.clear();
}

function full(what: string) {
  return xlinkErr(
    'PAYLOAD_TOO_LARGE',
    `share refused: ${what} at the limit`,
    'Complete or let expire the pending groups, or raise AgentOptions.splitChannel limits',
    { subCode: 'SHARE_BUFFER_FULL', field: 'sender' },
  );
}
