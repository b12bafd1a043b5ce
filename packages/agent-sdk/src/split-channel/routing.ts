/**
 * Multi-transport routing of share envelopes: share i goes to `transports[i % transports.length]`
 * (Multi-Transport Routing), all shares are handed to their transports in
 * parallel, and the send fails with `SEND_FAILED:BELOW_THRESHOLD` when fewer than k were
 * accepted.
 *
 * Pitfalls:
 * - Channel independence is the deployer's job: with fewer transports than shares, one transport
 *   carries several shares and whoever watches it may see k of them. The agent warns ONCE per
 *   agent through its logger hook, never on every send.
 * - A transport that throws instead of returning a `Result` is treated as a failed delivery of
 *   that share, not as a crash of the whole send.
 * - Shares already accepted before a BELOW_THRESHOLD failure stay delivered: they are useless
 *   alone (fewer than k) and expire in the receiver's buffer.
 *
 * @module
 */
import { type Err, ok, type Result } from 'xorida';
import type { EnvelopeJson } from '../envelope.js';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import type { TransportAdapter } from '../transport.js';

/** One share that a transport did not accept. */
export interface ShareDeliveryFailure {
  /** Share index. */
  readonly index: number;
  /** Index into the agent's transports. */
  readonly transport: number;
  /** Error code (and subCode) the transport returned, or `THROWN`. */
  readonly code: string;
}

/** Outcome of {@link dispatchShares}. */
export interface ShareDelivery {
  /** Indices of shares their transports accepted. */
  readonly delivered: number[];
  readonly failed: ShareDeliveryFailure[];
}

/**
 * The transport index of share `i`.
 * @param i share index (0-based)
 * @param transports how many transports the agent has (>= 1)
 * @returns `i % transports`
 */
export function transportFor(i: number, transports: number): number {
  return i % transports;
}

/**
 * Delivers share envelope i through `transports[i % transports.length]`.
 * @param transports the agent's transports (>= 1)
 * @param envelopes share envelopes in share-index order (JSON form)
 * @param to recipient DID
 * @param k threshold: at least k must be accepted
 * @param onSending called before each share is handed over, with (i + 1, n)
 * @returns which shares were delivered and which failed, or `SEND_FAILED` subCode
 *   `BELOW_THRESHOLD` (message lists the failed shares, their transports and codes)
 */
export async function dispatchShares(
  transports: readonly TransportAdapter[],
  envelopes: readonly EnvelopeJson[],
  to: string,
  k: number,
  onSending?: (current: number, total: number) => void | Promise<void>,
): Promise<Result<ShareDelivery, XlinkErrorDetail>> {
  const n = envelopes.length;
  const pending: Promise<ShareDeliveryFailure | null>[] = [];
  for (let i = 0; i < n; i++) {
    if (onSending) await onSending(i + 1, n);
    const t = transportFor(i, transports.length);
    pending.push(deliverShare(transports[t]!, envelopes[i]!, to, i, t));
  }
  const results = await Promise.all(pending);
  const failed = results.filter((r): r is ShareDeliveryFailure => r !== null);
  const delivered = results.flatMap((r, i) => (r === null ? [i] : []));
  return belowThreshold(delivered.length, n, k, failed) ?? ok({ delivered, failed });
}

/**
 * The `SEND_FAILED:BELOW_THRESHOLD` error when fewer than k shares were accepted.
 * @param delivered how many shares their transports accepted
 * @param n share count
 * @param k threshold
 * @param failed the shares that were not accepted
 * @returns the error (message lists the failed shares, their transports and codes), or
 *   `undefined` when at least k were accepted
 */
export function belowThreshold(
  delivered: number,
  n: number,
  k: number,
  failed: readonly ShareDeliveryFailure[],
): Err<XlinkErrorDetail> | undefined {
  if (delivered >= k) return undefined;
  const list = failed.map((f) => `share ${f.index} via transport ${f.transport}: ${f.code}`);
  return xlinkErr(
    'SEND_FAILED',
    `only ${delivered} of ${n} shares were accepted, threshold is ${k} (${list.join('; ')})`,
    'Check the failing transports and resend; the recipient cannot reconstruct this message',
    { subCode: 'BELOW_THRESHOLD', field: 'transport' },
  );
}

/**
 * A share not sent because sealing made it stale (send-side freshness check).
 * @param index share index
 * @param transports how many transports the agent has
 * @param error the freshness error (`TIMESTAMP_EXPIRED:STALE_AT_SEND`)
 * @returns the failure entry of the receipt
 */
export function staleShare(
  index: number,
  transports: number,
  error: XlinkErrorDetail,
): ShareDeliveryFailure {
  const code = error.subCode ? `${error.code}:${error.subCode}` : error.code;
  return { index, transport: transportFor(index, transports), code };
}

/**
 * Hands share envelope `index` to its transport.
 * @param transport the share's transport (`transportFor`)
 * @param envelope the share envelope (JSON form)
 * @param to recipient DID
 * @param index share index
 * @param t the transport's index
 * @returns `null` when accepted, else the failure (`THROWN` when the transport threw)
 */
export async function deliverShare(
  transport: TransportAdapter,
  envelope: EnvelopeJson,
  to: string,
  index: number,
  t: number,
): Promise<ShareDeliveryFailure | null> {
  try {
    const r = await transport.send(envelope, to);
    if (r.ok) return null;
    const code = r.error.subCode ? `${r.error.code}:${r.error.subCode}` : r.error.code;
    return { index, transport: t, code };
  } catch {
    return { index, transport: t, code: 'THROWN' };
  }
}
