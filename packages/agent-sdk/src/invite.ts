/**
 * Invites: a signed, one-time, expiring code an inviter hands to a new service
 * (`XLK-<base64url(payload JSON)>.<base64url(Ed25519 signature)>`, spec in
 * docs/formats.md#xlink-invite-codes). `createInvite` signs; `parseInvite` checks the format,
 * the inviter's signature and the expiry; redemption (one-time use, registration of the
 * accepting DID with the invite's scopes) happens at the inviter's registry server
 * (`POST /invites/redeem`, see `acceptInvite` in connect.ts).
 *
 * Pitfalls:
 * - The invite is a bearer credential until redeemed: whoever holds the code can use it once.
 *   Keep `expiresIn` short.
 * - The signature covers every field; any edit to the code fails `INVITE_INVALID:BAD_SIGNATURE`.
 *
 * @module
 */
import { err, ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { parseDidKey } from './did.js';
import { isValidScope } from './envelope.js';
import type { AgentIdentity } from './identity.js';
import { fromUtf8, utf8 } from './lib/binary.js';
import { base64urlDecode, base64urlEncode } from './lib/codec.js';

/** Domain separation prefix of the invite signature. */
export const INVITE_SIGNATURE_LABEL = 'xlink-invite/1\n';
/** Prefix of every invite code. */
export const INVITE_PREFIX = 'XLK-';

/** The signed content of an invite. */
export interface InvitePayload {
  /** Format version, 1. */
  readonly v: 1;
  /** Inviter did:key (signer). */
  readonly inviter: string;
  /** Service name the invite is for (display). */
  readonly service: string;
  /** Registry (and relay) base URL where the invite is redeemed. */
  readonly registry: string;
  /** Relay base URL (usually the registry's). */
  readonly relay: string;
  /** Scopes granted to the accepting DID. */
  readonly scopes: readonly string[];
  /** Expiry, ms since epoch. */
  readonly exp: number;
  /** One-time secret, base64url of 32 CSPRNG bytes. */
  readonly secret: string;
}

/** Invite errors. */
export interface InviteErrorDetail {
  readonly code: 'INVITE_INVALID' | 'INVITE_EXPIRED' | 'INVITE_USED' | 'INVITE_FAILED';
  readonly subCode?: string;
  readonly message: string;
  readonly hint: string;
}

const bad = (subCode: string, message: string) =>
  err<InviteErrorDetail>({
    code: 'INVITE_INVALID',
    subCode,
    message,
    hint: 'Ask the inviter for a new code (copy it whole)',
  });

/** The bytes the inviter signs: the label then the payload JSON bytes exactly as encoded. */
export function inviteSigningInput(payloadBytes: Uint8Array): Uint8Array {
  const label = utf8(INVITE_SIGNATURE_LABEL);
  const out = new Uint8Array(label.length + payloadBytes.length);
  out.set(label);
  out.set(payloadBytes, label.length);
  return out;
}

/** Options of {@link createInvite}. */
export interface CreateInviteOptions {
  readonly identity: AgentIdentity;
  readonly service: string;
  readonly registry: string;
  readonly relay?: string;
  readonly scopes: readonly string[];
  /** Lifetime, ms (default 24 h, at most 30 days). */
  readonly expiresIn?: number;
  /** Tests only: clock and secret. */
  readonly testing?: { readonly now?: number; readonly secret?: Uint8Array };
}

/**
 * Creates a signed invite code.
 * @returns `{ code, url, payload }` (`url`: QR-ready `xlink://invite?code=...`), or
 *   `INVITE_FAILED` on bad options
 */
export function createInvite(
  options: CreateInviteOptions,
): Result<{ code: string; url: string; payload: InvitePayload }, InviteErrorDetail> {
  const expiresIn = options.expiresIn ?? 86_400_000;
  const failed = (message: string) =>
    err<InviteErrorDetail>({ code: 'INVITE_FAILED', message, hint: 'Fix the invite options' });
  if (!Number.isSafeInteger(expiresIn) || expiresIn <= 0 || expiresIn > 30 * 86_400_000)
    return failed('expiresIn must be 1 ms .. 30 days');
  if (!options.scopes.length || !options.scopes.every(isValidScope))
    return failed('scopes must be a non-empty list of valid scopes');
  if (typeof options.service !== 'string' || !options.service || options.service.length > 200)
    return failed('service must be a non-empty name');
  const payload: InvitePayload = {
    v: 1,
    inviter: options.identity.did,
    service: options.service,
    registry: options.registry,
    relay: options.relay ?? options.registry,
    scopes: [...options.scopes],
    exp: (options.testing?.now ?? Date.now()) + expiresIn,
    secret: base64urlEncode(options.testing?.secret ?? backend.randomBytes(32)),
  };
  const bytes = utf8(JSON.stringify(payload));
  const sig = options.identity.signing.sign(inviteSigningInput(bytes));
  const code = `${INVITE_PREFIX}${base64urlEncode(bytes)}.${base64urlEncode(sig)}`;
  return ok({ code, url: `xlink://invite?code=${code}`, payload });
}

/**
 * Parses an invite code (or its `xlink://invite?code=` URL) and checks signature and expiry.
 * @param now clock, ms (default `Date.now()`)
 * @returns the payload, or `INVITE_INVALID` (`MALFORMED`, `BAD_SIGNATURE`) / `INVITE_EXPIRED`
 */
export function parseInvite(
  codeOrUrl: string,
  now: number = Date.now(),
): Result<InvitePayload, InviteErrorDetail> {
  if (typeof codeOrUrl !== 'string' || codeOrUrl.length > 8192)
    return bad('MALFORMED', 'invite code must be a string of at most 8 KiB');
  const code = codeOrUrl.trim().replace(/^xlink:\/\/invite\?code=/, '');
  if (!code.startsWith(INVITE_PREFIX)) return bad('MALFORMED', 'invite codes start with XLK-');
  const parts = code.slice(INVITE_PREFIX.length).split('.');
  if (parts.length !== 2) return bad('MALFORMED', 'invite code must have two parts');
  const bytes = base64urlDecode(parts[0] ?? '', 4096);
  const sig = base64urlDecode(parts[1] ?? '', 64);
  if (!bytes || !sig || sig.length !== 64) return bad('MALFORMED', 'invite code is not base64url');
  const text = fromUtf8(bytes);
  let p: InvitePayload;
  try {
    p = JSON.parse(text ?? '') as InvitePayload;
  } catch {
    return bad('MALFORMED', 'invite payload is not JSON');
  }
  if (
    p?.v !== 1 ||
    typeof p.inviter !== 'string' ||
    typeof p.service !== 'string' ||
    typeof p.registry !== 'string' ||
    typeof p.relay !== 'string' ||
    !Array.isArray(p.scopes) ||
    !p.scopes.every(isValidScope) ||
    !Number.isSafeInteger(p.exp) ||
    typeof p.secret !== 'string' ||
    base64urlDecode(p.secret, 32)?.length !== 32
  )
    return bad('MALFORMED', 'invite payload fields are missing or invalid');
  const pub = parseDidKey(p.inviter);
  if (!pub.ok) return bad('MALFORMED', 'inviter is not an Ed25519 did:key');
  if (!backend.ed25519Verify(pub.value, inviteSigningInput(bytes), sig))
    return bad('BAD_SIGNATURE', "invite signature does not verify against the inviter's DID");
  if (now > p.exp)
    return err({
      code: 'INVITE_EXPIRED',
      message: `invite expired at ${new Date(p.exp).toISOString()}`,
      hint: 'Ask the inviter for a new code',
    });
  return ok(p);
}

/** Key under which a redeemed invite's secret is recorded: inviter + SHA-256 of the secret. */
export function inviteRedemptionKey(p: InvitePayload): string {
  const secret = base64urlDecode(p.secret, 32) ?? new Uint8Array(0);
  return `invite|${p.inviter}|${base64urlEncode(backend.sha256(secret))}`;
}
