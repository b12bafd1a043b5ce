/**
 * Zero-config connection helpers: `acceptInvite` (redeem an invite at the inviter's registry)
 * and `connect(target)` (find a peer by registry service name, `.well-known/xlink.json`
 * discovery document, or direct URL, and return a ready agent).
 *
 * Discovery document (`https://<domain>/.well-known/xlink.json`, spec in
 * docs/formats.md#xlink-discovery-document): `{ v: 1, did, name?, registry, relay, scopes?,
 * keyDocument, signature }` (`scopes`: what a connecting agent registers with) where `signature` is Ed25519 by `did` over `xlink-discovery/1\n` + the JSON of
 * the document without `signature` (fields in that order). Unsigned, badly signed or
 * inconsistent documents are refused.
 *
 * Pitfalls:
 * - No hidden public default registry: a service name needs `opts.registry` or
 *   `XLINK_REGISTRY_URL`.
 * - Plain `http:` discovery is only allowed to loopback hosts (tests) with
 *   `allowInsecureHttp`.
 * - Identity: pass `identity`; without one a new random identity is generated per call (the
 *   Node CLI and `Agent.lazy` load a keystore instead).
 *
 * @module
 */
import { err, ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { Agent } from './agent.js';
import { parseDidKey } from './did.js';
import { isValidScope } from './envelope.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { HttpTrustRegistry } from './http-trust-registry.js';
import { checkBaseUrl, HttpsTransportAdapter } from './https-transport.js';
import { type AgentIdentity, generateIdentity } from './identity.js';
import { type InviteErrorDetail, type InvitePayload, parseInvite } from './invite.js';
import { type KeyDocumentJson, keyDocumentFromJson, keyDocumentToJson } from './key-document.js';
import type { IdentityStore } from './lazy-agent.js';
import { utf8 } from './lib/binary.js';
import { base64urlDecode, base64urlEncode } from './lib/codec.js';
import { httpCall } from './lib/http-call.js';
import type { RegistryEntry } from './registry.js';
import { registryEntryFromJson } from './registry-entry-json.js';
import { signRequest } from './request-signature.js';
import { connectScopes } from './sender-registration.js';

/** Domain separation prefix of discovery document signatures. */
export const DISCOVERY_SIGNATURE_LABEL = 'xlink-discovery/1\n';

/** The `.well-known/xlink.json` document. */
export interface DiscoveryDocument {
  readonly v: 1;
  readonly did: string;
  readonly name?: string;
  readonly registry: string;
  readonly relay: string;
  /** Scopes a connecting agent registers with when the caller gives none (signed). */
  readonly scopes?: readonly string[];
  readonly keyDocument: KeyDocumentJson;
  /** base64url Ed25519 signature (see module doc). */
  readonly signature: string;
}

function discoverySigningInput(doc: Omit<DiscoveryDocument, 'signature'>): Uint8Array {
  const body = {
    v: doc.v,
    did: doc.did,
    ...(doc.name !== undefined ? { name: doc.name } : {}),
    registry: doc.registry,
    relay: doc.relay,
    ...(doc.scopes !== undefined ? { scopes: doc.scopes } : {}),
    keyDocument: doc.keyDocument,
  };
  return utf8(DISCOVERY_SIGNATURE_LABEL + JSON.stringify(body));
}

/** Creates a signed discovery document for `identity` (serve it at `/.well-known/xlink.json`). */
export function createDiscoveryDocument(input: {
  identity: AgentIdentity;
  keyDocument: KeyDocumentJson;
  registry: string;
  relay?: string;
  name?: string;
  scopes?: readonly string[];
}): DiscoveryDocument {
  const body = {
    v: 1 as const,
    did: input.identity.did,
    ...(input.name !== undefined ? { name: input.name } : {}),
    registry: input.registry,
    relay: input.relay ?? input.registry,
    ...(input.scopes !== undefined ? { scopes: input.scopes } : {}),
    keyDocument: input.keyDocument,
  };
  const sig = input.identity.signing.sign(discoverySigningInput(body));
  return { ...body, signature: base64urlEncode(sig) };
}

const discoveryErr = (subCode: string, message: string) =>
  xlinkErr('LOOKUP_FAILED', message, 'The peer must publish a signed xlink.json', {
    subCode,
  });

/**
 * Checks a discovery document: shape, Ed25519 signature by `did`, key document of that DID.
 * @returns the document, or `LOOKUP_FAILED` (`BAD_DISCOVERY_DOCUMENT`, `UNSIGNED_DISCOVERY_DOCUMENT`,
 *   `BAD_DISCOVERY_SIGNATURE`)
 */
export function verifyDiscoveryDocument(
  json: unknown,
): Result<DiscoveryDocument, XlinkErrorDetail> {
  const d = json as Partial<DiscoveryDocument> | null;
  if (
    !d ||
    typeof d !== 'object' ||
    d.v !== 1 ||
    typeof d.did !== 'string' ||
    typeof d.registry !== 'string' ||
    typeof d.relay !== 'string' ||
    (d.name !== undefined && typeof d.name !== 'string') ||
    (d.scopes !== undefined &&
      (!Array.isArray(d.scopes) || !d.scopes.length || !d.scopes.every(isValidScope)))
  )
    return discoveryErr('BAD_DISCOVERY_DOCUMENT', 'discovery document is malformed');
  if (typeof d.signature !== 'string')
    return discoveryErr('UNSIGNED_DISCOVERY_DOCUMENT', 'discovery document is not signed');
  const pub = parseDidKey(d.did);
  if (!pub.ok) return discoveryErr('BAD_DISCOVERY_DOCUMENT', 'discovery did is not a did:key');
  const sig = base64urlDecode(d.signature, 64);
  if (
    sig?.length !== 64 ||
    !backend.ed25519Verify(pub.value, discoverySigningInput(d as DiscoveryDocument), sig)
  )
    return discoveryErr('BAD_DISCOVERY_SIGNATURE', 'discovery document signature does not verify');
  const kd = keyDocumentFromJson(d.keyDocument);
  if (!kd.ok || kd.value.did !== d.did)
    return discoveryErr('BAD_DISCOVERY_DOCUMENT', 'key document missing or of another DID');
  return ok(d as DiscoveryDocument);
}

/** Options of {@link connect} and {@link acceptInvite}. */
export interface ConnectOptions {
  /** This side's identity (default: loaded from / saved to `identityStore`, else a new random one). */
  readonly identity?: AgentIdentity;
  /** Where the local identity is loaded from or saved to on first use (Node: `keystoreIdentityStore()`). */
  readonly identityStore?: IdentityStore;
  /** Display name when registering. */
  readonly name?: string;
  /** Registry for service names (default `XLINK_REGISTRY_URL`). */
  readonly registry?: string;
  /** Relay (default: the registry). */
  readonly relay?: string;
  /** Scopes to self-register with when this identity is not yet registered (default `['*']`). */
  readonly scopes?: readonly string[];
  /** Allow plain http to loopback discovery URLs (tests). */
  readonly allowInsecureHttp?: boolean;
  readonly timeoutMs?: number;
}

/** What {@link connect} returns. */
export interface Connection {
  readonly agent: Agent;
  /** The peer's DID. */
  readonly did: string;
  /** Where envelopes for the peer go (relay base URL). */
  readonly endpoint: string;
}

function localIdentity(opts: ConnectOptions): Result<AgentIdentity, XlinkErrorDetail> {
  if (opts.identity) return ok(opts.identity);
  const stored = opts.identityStore?.load();
  if (stored) return ok(stored);
  const g = generateIdentity();
  if (g.ok) opts.identityStore?.save(g.value, opts.name ?? 'xlink-service');
  return g;
}

function envRegistry(): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env?.XLINK_REGISTRY_URL || undefined;
}

function agentFor(
  identity: AgentIdentity,
  registry: string,
  relay: string,
  opts: ConnectOptions,
): Result<Agent, XlinkErrorDetail> {
  const r = checkBaseUrl(registry, true);
  if (!r.ok) return r;
  const t = checkBaseUrl(relay, true);
  if (!t.ok) return t;
  try {
    return ok(
      Agent.fromParts({
        identity,
        ...(opts.name !== undefined ? { name: opts.name } : {}),
        ...(opts.scopes !== undefined ? { scopes: opts.scopes } : {}),
        registry: new HttpTrustRegistry({ baseUrl: r.value, signer: identity }),
        transport: new HttpsTransportAdapter({ baseUrl: t.value }),
      }),
    );
  } catch (e) {
    return xlinkErr('INVALID_OPTIONS', (e as Error).message, 'Check the registry / relay URLs');
  }
}

/**
 * An agent on a registry + relay for `identity`; self-registers (DID-signed) with `opts.scopes`
 * when given and the DID is not registered yet.
 * @returns the agent, or `INVALID_OPTIONS` / registration errors
 */
export async function registryAgent(
  identity: AgentIdentity,
  opts: ConnectOptions & { registry: string },
): Promise<Result<Agent, XlinkErrorDetail>> {
  const a = agentFor(identity, opts.registry, opts.relay ?? opts.registry, opts);
  if (!a.ok) return a;
  if (opts.scopes) {
    const self = await a.value.registry.resolve(a.value.did);
    if (!self.ok) {
      const r = await a.value.register();
      if (!r.ok) return r;
    }
  }
  return a;
}

async function getJson(
  url: string,
  timeoutMs: number,
): Promise<Result<{ status: number; json: unknown }, XlinkErrorDetail>> {
  const r = await httpCall(
    () => ({ url, method: 'GET', headers: { accept: 'application/json' } }),
    {
      timeoutMs,
      retries: 0,
    },
  );
  if (!r.ok) return r;
  return ok({ status: r.value.status, json: r.value.json });
}

/**
 * Finds a peer and returns an agent ready to `send` to it: (1) `target` as a service name in the
 * registry (`opts.registry` / `XLINK_REGISTRY_URL`), (2) `https://<target>/.well-known/xlink.json`
 * (signed, verified), (3) `target` as a direct URL of a registry+relay whose discovery document
 * names the peer.
 * @returns `{ agent, did, endpoint }`, or `LOOKUP_FAILED` / `DID_NOT_IN_REGISTRY` / `INVALID_OPTIONS`
 */
export async function connect(
  target: string,
  opts: ConnectOptions = {},
): Promise<Result<Connection, XlinkErrorDetail>> {
  if (typeof target !== 'string' || !target)
    return xlinkErr('INVALID_OPTIONS', 'target required', 'Pass a service name, domain or URL');
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const id = localIdentity(opts);
  if (!id.ok) return id;
  const reg = opts.registry ?? envRegistry();
  const finish = async (
    did: string,
    registry: string,
    relay: string,
    granted?: readonly string[],
  ) => {
    // An unregistered identity registers: the caller's scopes, else the discovery document's, else `*`
    const scopes = connectScopes(opts.scopes?.length ? opts.scopes : granted);
    const a = await registryAgent(id.value, { ...opts, registry, relay, scopes });
    if (!a.ok) return a;
    return ok<Connection>({ agent: a.value, did, endpoint: relay });
  };
  // 1. a service name in the configured registry
  const isName = /^[A-Za-z0-9_.:-]+$/.test(target) && !target.includes('.');
  if (target.startsWith('did:key:')) {
    if (!reg)
      return xlinkErr('INVALID_OPTIONS', 'no registry configured', 'Set XLINK_REGISTRY_URL');
    return finish(target, reg, opts.relay ?? reg);
  }
  if (isName) {
    if (!reg)
      return xlinkErr(
        'INVALID_OPTIONS',
        `"${target}" looks like a service name but no registry is configured`,
        'Set XLINK_REGISTRY_URL (or opts.registry), or pass a domain / URL',
        { field: 'registry' },
      );
    const r = await getJson(
      `${reg.replace(/\/+$/, '')}/registry/name/${encodeURIComponent(target)}`,
      timeoutMs,
    );
    if (!r.ok) return r;
    if (r.value.status !== 200)
      return xlinkErr(
        'DID_NOT_IN_REGISTRY',
        `no service named "${target}" in ${reg}`,
        'Check the name or register the service',
      );
    const e = registryEntryFromJson(r.value.json);
    if (!e.ok) return e;
    return finish(e.value.did, reg, opts.relay ?? reg);
  }
  // 2./3. a domain (well-known discovery) or a direct URL
  let base: URL;
  try {
    base = new URL(/^https?:\/\//.test(target) ? target : `https://${target}`);
  } catch {
    return xlinkErr('INVALID_OPTIONS', `cannot parse "${target}"`, 'Pass a name, domain or URL');
  }
  const chk = checkBaseUrl(base.origin, opts.allowInsecureHttp ?? false);
  if (!chk.ok) return chk;
  const r = await getJson(`${base.origin}/.well-known/xlink.json`, timeoutMs);
  if (!r.ok) return r;
  if (r.value.status !== 200)
    return discoveryErr(
      'NO_DISCOVERY_DOCUMENT',
      `${base.origin}/.well-known/xlink.json answered ${r.value.status}`,
    );
  const doc = verifyDiscoveryDocument(r.value.json);
  if (!doc.ok) return doc;
  return finish(doc.value.did, doc.value.registry, doc.value.relay, doc.value.scopes);
}

/** What {@link acceptInvite} returns. */
export interface AcceptedInvite {
  readonly agent: Agent;
  readonly invite: InvitePayload;
  /** This side's registry entry (registered with the invite's scopes). */
  readonly entry: RegistryEntry;
  /** The inviter's registry entry. */
  readonly inviter: RegistryEntry;
}

/**
 * Accepts an invite: verifies it locally (signature, expiry), then redeems it at the inviter's
 * registry (`POST /invites/redeem`, DID-signed), which records the one-time secret and registers
 * this identity with the invited scopes. Both sides then resolve each other in that registry.
 * @returns the agent (registry + relay of the invite) and both entries, or `INVITE_INVALID`,
 *   `INVITE_EXPIRED`, `INVITE_USED`, `NETWORK_ERROR`, ...
 */
export async function acceptInvite(
  code: string,
  opts: ConnectOptions & { now?: number } = {},
): Promise<Result<AcceptedInvite, InviteErrorDetail | XlinkErrorDetail>> {
  const inv = parseInvite(code, opts.now);
  if (!inv.ok) return inv;
  const id = localIdentity(opts);
  if (!id.ok) return id;
  const a = agentFor(id.value, inv.value.registry, inv.value.relay, {
    ...opts,
    scopes: inv.value.scopes,
  });
  if (!a.ok) return a;
  const url = new URL(`${inv.value.registry.replace(/\/+$/, '')}/invites/redeem`);
  const body = JSON.stringify({
    code: code.trim().replace(/^xlink:\/\/invite\?code=/, ''),
    keyDocument: keyDocumentToJson(a.value.keyDocument),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
  });
  const r = await httpCall(
    () => ({
      url: url.toString(),
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signRequest(id.value, { method: 'POST', path: url.pathname, body }),
      },
      body,
    }),
    { timeoutMs: opts.timeoutMs ?? 10_000, retries: 0 },
  );
  if (!r.ok) return r;
  const json = r.value.json as { entry?: unknown; inviter?: unknown } | undefined;
  if (r.value.status !== 201) {
    const e = (
      r.value.json as {
        error?: { code?: string; message?: string; hint?: string; subCode?: string };
      }
    )?.error;
    const code2 = e?.code;
    if (code2 === 'INVITE_USED' || code2 === 'INVITE_EXPIRED' || code2 === 'INVITE_INVALID')
      return err({
        code: code2,
        ...(e?.subCode ? { subCode: e.subCode } : {}),
        message: e?.message ?? code2,
        hint: e?.hint ?? 'Ask the inviter for a new code',
      });
    return xlinkErr(
      'REGISTRATION_FAILED',
      `invite redemption answered ${r.value.status}: ${code2 ?? ''} ${e?.message ?? ''}`,
      e?.hint ?? 'Check the invite and the registry',
      { subCode: code2 ?? 'HTTP_ERROR' },
    );
  }
  const entry = registryEntryFromJson(json?.entry);
  const inviter = registryEntryFromJson(json?.inviter);
  if (!entry.ok) return entry;
  if (!inviter.ok) return inviter;
  if (inviter.value.did !== inv.value.inviter || entry.value.did !== id.value.did)
    return xlinkErr('REGISTRATION_FAILED', 'registry answered other DIDs', 'Check the registry');
  return ok({ agent: a.value, invite: inv.value, entry: entry.value, inviter: inviter.value });
}
