/**
 * Outbound webhooks: on every connection state change (an audit entry of a transition type) the
 * billing server POSTs a JSON notification to each configured URL, signed with its Ed25519 key.
 * Format and known-answer vector: docs/formats.md#xpass ("Outbound webhooks").
 *
 *   body      = JSON {"v":1,"type":"connection.<status>","connectionId","status","transition",
 *               "actor","reason","auditSeq","ts"}
 *   headers   X-Xpass-Timestamp: <Unix ms>   X-Xpass-Signature: <128 hex>
 *   signature = Ed25519(UTF-8("xpass/webhook/v1\n" + timestamp + "\n" + body))  (RFC 8032)
 *
 * A delivery that does not get a 2xx answer is retried with exponential backoff
 * (`baseDelayMs * 2^(attempt-1)`, default 1 s, 2 s, 4 s, 8 s; at most `maxAttempts`, default 5),
 * then dropped and logged. Deliveries run in the background; `drain()` waits for them.
 *
 * @module
 */
import { backend } from '@xorida/agent-sdk/crypto';
import { bytesToHex, hexToBytes, utf8ToBytes } from 'xorida';
import type { AuditEntry } from '../audit-chain.js';
import type { ConnectionStatus } from '../state-machine.js';

/** Status reached by each transition audit type. */
const STATUS_AFTER: Readonly<Record<string, ConnectionStatus>> = {
  activate: 'active',
  suspend: 'suspended',
  grace: 'grace',
  revoke: 'revoked',
  reactivate: 'active',
};

/** Options of {@link OutboundWebhooks}. */
export interface OutboundWebhookOptions {
  /** Receiver URLs. */
  readonly urls: readonly string[];
  /** Ed25519 signing function of the billing server (64-byte signatures). */
  readonly sign: (message: Uint8Array) => Uint8Array;
  /** Attempts per delivery, including the first (default 5). */
  readonly maxAttempts?: number;
  /** First retry delay, ms (default 1 000; doubles per retry). */
  readonly baseDelayMs?: number;
  /** Clock, Unix ms (default `Date.now`). */
  readonly now?: () => number;
  /** Waits `ms` (tests inject a fake timer). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Per-attempt timeout, ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Called when a delivery is given up (default: nothing). */
  readonly onGiveUp?: (url: string, body: string, lastError: string) => void;
}

/**
 * The signing input of an outbound webhook.
 * @param timestamp the `X-Xpass-Timestamp` value (decimal Unix ms)
 * @param body the exact body
 * @returns UTF-8 bytes of `"xpass/webhook/v1\n" + timestamp + "\n" + body`
 */
export function webhookSigningInput(timestamp: string, body: string): Uint8Array {
  return utf8ToBytes(`xpass/webhook/v1\n${timestamp}\n${body}`);
}

/**
 * Verifies an outbound webhook (receiver side).
 * @param body the exact body text
 * @param timestamp `X-Xpass-Timestamp`
 * @param signatureHex `X-Xpass-Signature` (128 hex)
 * @param publicKey the billing server's Ed25519 key (32 bytes; `GET /health` `details.publicKey`)
 * @param options `{ now?: Unix ms, toleranceMs? (default 300 000) }`
 * @returns true when the signature verifies and the timestamp is within the tolerance
 */
export function verifyOutboundWebhook(
  body: string,
  timestamp: string,
  signatureHex: string,
  publicKey: Uint8Array,
  options: { now?: number; toleranceMs?: number } = {},
): boolean {
  if (!/^[0-9]{1,16}$/.test(timestamp) || !/^[0-9a-f]{128}$/.test(signatureHex)) return false;
  const age = Math.abs((options.now ?? Date.now()) - Number(timestamp));
  if (age > (options.toleranceMs ?? 300_000)) return false;
  return backend.ed25519Verify(
    publicKey,
    webhookSigningInput(timestamp, body),
    hexToBytes(signatureHex),
  );
}

/**
 * The notification body of a transition audit entry, or undefined for other entry types.
 * @param e an audit entry
 */
export function webhookBodyOf(e: AuditEntry): string | undefined {
  const status = STATUS_AFTER[e.type];
  if (status === undefined) return undefined;
  return JSON.stringify({
    v: 1,
    type: `connection.${status}`,
    connectionId: e.connectionId,
    status,
    transition: e.type,
    actor: e.actor,
    reason: e.detail,
    auditSeq: e.seq,
    ts: e.ts,
  });
}

/** Sends signed notifications with retries. */
export class OutboundWebhooks {
  private readonly inFlight = new Set<Promise<void>>();

  /** @param o URLs, signer, retry policy, clock, timer */
  constructor(private readonly o: OutboundWebhookOptions) {}

  /**
   * Queues a notification for every URL when the audit line is a state change.
   * @param line one audit log line (entry or head)
   */
  onAuditLine(line: string): void {
    const v = JSON.parse(line) as AuditEntry | { kind: 'head' };
    if (v.kind !== 'entry') return;
    const body = webhookBodyOf(v);
    if (body === undefined) return;
    for (const url of this.o.urls) {
      const p = this.deliver(url, body).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  /** Waits until every queued delivery succeeded or was given up. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async deliver(url: string, body: string): Promise<void> {
    const max = this.o.maxAttempts ?? 5;
    const sleep = this.o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    let last = '';
    for (let attempt = 1; attempt <= max; attempt++) {
      if (attempt > 1) await sleep((this.o.baseDelayMs ?? 1000) * 2 ** (attempt - 2));
      const timestamp = String((this.o.now ?? Date.now)());
      const signature = bytesToHex(this.o.sign(webhookSigningInput(timestamp, body)));
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-xpass-timestamp': timestamp,
            'x-xpass-signature': signature,
          },
          body,
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return;
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = (e as Error).message;
      }
    }
    this.o.onGiveUp?.(url, body, last);
  }
}
