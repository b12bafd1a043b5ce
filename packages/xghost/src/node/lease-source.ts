/**
 * Where share 2 comes from: online, a DID-signed request to the share server (the answer is a
 * lease file bound to the request nonce); air-gapped, a lease file the vendor exported. Both
 * are opened and checked by lease-file.ts.
 *
 * @module
 */

import { readFile } from 'node:fs/promises';
import { type AgentIdentity, keyDocumentToJson } from '@xorida/agent-sdk';
import type { Result } from 'xorida';
import {
  type GhostLease,
  type GhostLeaseFile,
  type GhostManifest,
  SHARE_REQUEST_PATH,
  type XghostError,
  xghostErr,
} from '../index.js';
import type { CreateGhostOptions } from './ghost-types.js';
import { openLeaseFile } from './lease-file.js';

const BILLING_CODES = new Set(['BILLING_REQUIRED', 'CONNECTION_SUSPENDED', 'CONNECTION_REVOKED']);

/** What a lease source yields: the verified lease and the encoded share 2 (wipe it after use). */
export type LeaseResult = Result<{ lease: GhostLease; share: Uint8Array }, XghostError>;

/**
 * The two lease sources of one ghost.
 * @param o the ghost options, its checked manifest, the customer identity, the clock (Unix ms),
 *   the epoch length (ms) and the fetch function
 * @returns `fetchLease()` (online; `NETWORK_ERROR`, `REQUEST_REJECTED`, `BILLING_REQUIRED`,
 *   `BUNDLE_NOT_FOUND`, `RATE_LIMITED`, or the errors of `openLeaseFile`) and `loadFile(source?)`
 *   (air-gapped; `IO_FAILED` or the errors of `openLeaseFile`)
 */
export function leaseSources(o: {
  readonly opts: CreateGhostOptions;
  readonly manifest: GhostManifest;
  readonly identity: AgentIdentity;
  readonly now: () => number;
  readonly epochMs: number;
  readonly doFetch: typeof fetch;
}): {
  fetchLease: () => Promise<LeaseResult>;
  loadFile: (source?: string | GhostLeaseFile) => Promise<LeaseResult>;
} {
  const { opts, manifest, identity, now, epochMs, doFetch } = o;
  const fetchLease = async (): Promise<
    Result<{ lease: GhostLease; share: Uint8Array }, XghostError>
  > => {
    const body = JSON.stringify({
      bundleId: manifest.bundleId,
      epoch: Math.floor(now() / epochMs),
      keyDocument: keyDocumentToJson(opts.agent.keyDocument),
    });
    const headers = opts.agent.signRequest({ method: 'POST', path: SHARE_REQUEST_PATH, body });
    let res: Response;
    try {
      res = await doFetch(new URL(SHARE_REQUEST_PATH, opts.server).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      return xghostErr(
        'NETWORK_ERROR',
        `share server unreachable: ${(e as Error).message}`,
        'Check the server URL and network',
      );
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      return xghostErr(
        'REQUEST_REJECTED',
        `share server answered ${res.status} without JSON`,
        'Check the server URL',
      );
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } }).error;
      const code = typeof e?.code === 'string' ? e.code : 'REQUEST_REJECTED';
      if (BILLING_CODES.has(code))
        return xghostErr(
          'BILLING_REQUIRED',
          `vendor refused share 2: ${code}`,
          'Bring the payment for this bundle up to date',
          { subCode: code },
        );
      const known = ['BUNDLE_NOT_FOUND', 'RATE_LIMITED', 'REQUEST_REJECTED'].includes(code)
        ? (code as XghostError['code'])
        : 'REQUEST_REJECTED';
      return xghostErr(
        known,
        `share server: ${e?.message ?? res.status}`,
        'See docs/errors.md#xghost',
        { subCode: code },
      );
    }
    return openLeaseFile(json, {
      manifest,
      customer: identity,
      challenge: headers['x-xlink-nonce'],
      now: now(),
    });
  };

  const loadFile = async (
    source: string | GhostLeaseFile | undefined = opts.shareFile,
  ): Promise<Result<{ lease: GhostLease; share: Uint8Array }, XghostError>> => {
    let file: unknown = source;
    if (typeof file === 'string') {
      try {
        file = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        return xghostErr(
          'IO_FAILED',
          `cannot read the lease file: ${(e as Error).message}`,
          'Check the path',
        );
      }
    }
    return openLeaseFile(file, { manifest, customer: identity, now: now() });
  };

  return { fetchLease, loadFile };
}
