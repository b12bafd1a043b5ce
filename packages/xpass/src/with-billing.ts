/**
 * `withBilling(agent, { billingServer })`: an agent-sdk `Agent` whose messages on a connection
 * can only be read while both sides' connection is paid.
 *
 * Protocol (inside the normal end-to-end encrypted, signed Xlink envelope, payload = JSON):
 *
 *   { xpass: 1, cid, epoch, share?: Base45 envelope, ct?: base64url message ciphertext }
 *
 * 1. Each agent fetches ITS OWN share of the current epoch from the billing server with a
 *    DID-signed request carrying a fresh challenge (share-fetch.ts); a refused share surfaces as
 *    `BILLING_REQUIRED` / `CONNECTION_SUSPENDED` / `CONNECTION_REVOKED` from `send` or `receive`.
 * 2. A sender that does not hold the peer's share of this epoch sends its own share (no payload)
 *    and queues the payload. The receiver verifies the share (server signature for the SENDER's
 *    DID), keeps it, and answers with its own share; both now reconstruct the secret, and queued
 *    payloads are flushed.
 * 3. Payloads travel as `ct` = AES-256-GCM under the key derived by HKDF from the connection
 *    secret, connection id and epoch (docs/formats.md#xpass), inside the Xlink envelope. Until the
 *    peer has shown it holds our share (by sending a `ct`), every message repeats our share.
 *
 * Pitfalls:
 * - The bypass window: once two agents reconstructed an epoch's secret they can keep using it
 *   until the epoch (plus overlap) ends, whatever the billing server says; colluding agents can
 *   also skip this wrapper altogether and talk plain Xlink. Billing is enforced against agents
 *   that need the other side's share, not against two colluding parties.
 * - Plain (non-xpass) messages are refused by `receive` with `BILLING_REQUIRED:UNBILLED_MESSAGE`.
 * - Queued payloads live in memory only; they are lost if the process exits before the peer's
 *   share arrives. After a restart mid-epoch the refetch rotates the split: the first message the
 *   peer encrypted with the old secret is refused (we answer with our new share), the peer
 *   refetches its own share on the split mismatch, and later messages flow.
 *
 * @module
 */
import { type Agent, importIdentityExport, isPendingShares, type Payload } from '@xorida/agent-sdk';
import { base64urlDecode, base64urlEncode } from '@xorida/agent-sdk/crypto';
import { equalBytes, ok, type Result } from 'xorida';
import type {
  BilledAgent,
  BillingClient,
  PeerState,
  WithBillingOptions,
} from './billed-agent-types.js';
import { decodeInner, encodeInner } from './billed-payload.js';
import type { BillingService } from './billing-service.js';
import { createConnectionId } from './connection-id.js';
import {
  type ConnectionSecret,
  decryptWithConnectionSecret,
  encryptWithConnectionSecret,
  MAX_MESSAGE_BYTES,
  reconstructSecret,
} from './connection-secret.js';
import { checkEpochWindow } from './epoch.js';
import { type XpassError, xpassErr } from './errors.js';
import { httpBillingClient } from './http-billing-client.js';
import {
  shareEnvelopeFromBase45,
  shareEnvelopeToBase45,
  verifyShareSignature,
  type XpassShare,
} from './share-envelope.js';
import {
  type ChallengeStore,
  createShareRequest,
  handleShareRequest,
  openShareResponse,
} from './share-fetch.js';

export type {
  BilledAgent,
  BilledError,
  BilledMessage,
  BilledSendReceipt,
  BillingClient,
  WithBillingOptions,
} from './billed-agent-types.js';

/**
 * Wraps an agent-sdk `Agent` with per-connection billing enforcement.
 * @param agent the agent (its identity signs share requests)
 * @param options `{ billingServer (client or URL), serverPublicKey? (with a URL), billingScope?
 *   (default `xlink`, see {@link WithBillingOptions.billingScope}), now? }`
 * @returns the billed agent, or `INVALID_OPTIONS` (field `agent`: not an Agent, e.g. an identity;
 *   `billingScope`; `billingServer`: neither a client nor an http(s) URL; `serverPublicKey`: not
 *   32 bytes with a URL)
 */
export function withBilling(
  agent: Agent,
  options: WithBillingOptions,
): Result<BilledAgent, XpassError> {
  if (typeof (agent as Partial<Agent> | undefined)?.exportIdentity !== 'function')
    return xpassErr(
      'INVALID_OPTIONS',
      'agent must be an agent-sdk Agent (an identity or DID is not enough: the agent sends)',
      {
        field: 'agent',
        remediation: 'Build one: await Agent.importIdentity({ identity, registry, transport })',
      },
    );
  const billingScope = options?.billingScope ?? 'xlink';
  if (typeof billingScope !== 'string' || !/^[\x20-\x7e]{1,128}$/.test(billingScope))
    return xpassErr('INVALID_OPTIONS', 'billingScope must be 1..128 printable ASCII characters', {
      field: 'billingScope',
    });
  const identity = importIdentityExport(agent.exportIdentity());
  if (!identity.ok)
    return xpassErr(
      'INVALID_OPTIONS',
      `cannot load the agent identity: ${identity.error.message}`,
      {
        field: 'agent',
      },
    );
  const sign = identity.value.signing.sign;
  let client: BillingClient;
  if (typeof options.billingServer === 'string') {
    const c = httpBillingClient(options.billingServer, options.serverPublicKey as Uint8Array);
    // Reported under withBilling's own option names (baseUrl → billingServer).
    if (!c.ok)
      return xpassErr('INVALID_OPTIONS', c.error.message, {
        field: c.error.field === 'publicKey' ? 'serverPublicKey' : 'billingServer',
      });
    client = c.value;
  } else client = options.billingServer;
  if (!(client?.publicKey instanceof Uint8Array) || typeof client.fetchShare !== 'function')
    return xpassErr('INVALID_OPTIONS', 'billingServer must be a BillingClient or a URL', {
      field: 'billingServer',
    });
  const now = options.now ?? Date.now;
  const peers = new Map<string, PeerState>();

  const stateOf = (cid: string): PeerState => {
    let s = peers.get(cid);
    if (!s) {
      s = { peerHasOurs: false, sentOurs: false, queue: [] };
      peers.set(cid, s);
    }
    return s;
  };

  /** Our share of the current epoch, fetched when missing or outside its window. */
  const ownShare = async (cid: string, st: PeerState): Promise<Result<XpassShare, XpassError>> => {
    const t = now();
    if (
      st.own &&
      checkEpochWindow(st.own.epoch, st.own, t).ok &&
      t < (st.own.epoch + 1) * st.own.epochMs
    )
      return ok(st.own);
    const req = createShareRequest({ connectionId: cid, did: agent.did, sign, now: t });
    if (!req.ok) return req;
    const resp = await client.fetchShare(req.value.request);
    if (!resp.ok && resp.error.code === 'CONNECTION_NOT_FOUND')
      // The usual cause: the operator created the connection under another scope.
      return xpassErr(
        'CONNECTION_NOT_FOUND',
        `no billed connection for scope '${billingScope}' between these DIDs`,
        {
          metadata: { ...resp.error.metadata, billingScope, connectionId: cid },
          remediation: `Create the connection with scope '${billingScope}', or pass the billingScope it was created with`,
        },
      );
    if (!resp.ok) return resp;
    const share = openShareResponse(resp.value, {
      serverPublicKey: client.publicKey,
      did: agent.did,
      connectionId: cid,
      challenge: req.value.challenge,
      now: now(),
    });
    if (!share.ok) return share;
    if (
      !st.own ||
      st.own.epoch !== share.value.epoch ||
      !equalBytes(st.own.splitId, share.value.splitId)
    ) {
      st.secret = undefined;
      st.peerHasOurs = false;
      st.sentOurs = false;
      if (st.peer && st.peer.epoch !== share.value.epoch) st.peer = undefined;
    }
    st.own = share.value;
    return ok(share.value);
  };

  const secretOf = (st: PeerState): Result<ConnectionSecret, XpassError> => {
    if (st.secret && checkEpochWindow(st.secret.epoch, st.own!, now()).ok) return ok(st.secret);
    if (!st.own || !st.peer)
      return xpassErr('INSUFFICIENT_SHARES', "the peer's share of this epoch has not arrived yet");
    const s = reconstructSecret(st.own, st.peer, { now: now() });
    if (s.ok) st.secret = s.value;
    return s;
  };

  const sendRaw = (to: string, scope: string, body: Record<string, unknown>) =>
    agent.send({ to, scope, payload: body });

  const billed: BilledAgent = {
    agent,
    did: agent.did,
    billingScope,
    async send({ to, payload, scope }) {
      const id = createConnectionId(agent.did, to, billingScope);
      if (!id.ok) return id;
      const cid = id.value;
      const st = stateOf(cid);
      const own = await ownShare(cid, st);
      if (!own.ok) return own;
      const secret = secretOf(st);
      if (!secret.ok) {
        // No usable peer share: hand ours over and queue the payload.
        st.peer = undefined;
        st.queue.push({ payload, scope });
        const sent = await sendRaw(to, scope, {
          xpass: 1,
          cid,
          epoch: own.value.epoch,
          share: shareEnvelopeToBase45(own.value),
        });
        if (!sent.ok) return sent;
        st.sentOurs = true;
        return ok({ connectionId: cid, epoch: own.value.epoch, queued: true });
      }
      const ct = encryptWithConnectionSecret(secret.value, encodeInner(payload));
      if (!ct.ok) return ct;
      const body: Record<string, unknown> = {
        xpass: 1,
        cid,
        epoch: own.value.epoch,
        ct: base64urlEncode(ct.value),
      };
      if (!st.peerHasOurs) body.share = shareEnvelopeToBase45(own.value);
      const sent = await sendRaw(to, scope, body);
      if (!sent.ok) return sent;
      st.sentOurs = true;
      return ok({ connectionId: cid, epoch: own.value.epoch, queued: false });
    },

    async receive(envelope) {
      const m = await agent.receive(envelope);
      if (!m.ok) return m;
      if (isPendingShares(m.value))
        return xpassErr(
          'BILLING_REQUIRED',
          'split-channel share envelopes do not travel on a billed connection',
          {
            subCode: 'UNBILLED_MESSAGE',
          },
        );
      const msg = m.value;
      const p = msg.payload as Record<string, unknown>;
      if (
        p instanceof Uint8Array ||
        p?.xpass !== 1 ||
        typeof p.cid !== 'string' ||
        typeof p.epoch !== 'number'
      )
        return xpassErr('BILLING_REQUIRED', 'the message does not travel on a billed connection', {
          subCode: 'UNBILLED_MESSAGE',
        });
      const id = createConnectionId(agent.did, msg.sender, billingScope);
      if (!id.ok) return id;
      const cid = id.value;
      if (p.cid !== cid)
        return xpassErr('RECONSTRUCTION_FAILED', 'the message names another connection', {
          subCode: 'CONNECTION_MISMATCH',
        });
      const st = stateOf(cid);
      const own = await ownShare(cid, st);
      if (!own.ok) return own;
      let newPeerShare = false;
      if (p.share !== undefined) {
        if (typeof p.share !== 'string')
          return xpassErr('SHARE_INVALID', 'share must be Base45 text', { subCode: 'BAD_TYPE' });
        const share = shareEnvelopeFromBase45(p.share);
        if (!share.ok) return share;
        const v = verifyShareSignature(share.value, client.publicKey, msg.sender);
        if (!v.ok) return v;
        if (share.value.connectionId !== cid)
          return xpassErr('RECONSTRUCTION_FAILED', 'the share belongs to another connection', {
            subCode: 'CONNECTION_MISMATCH',
          });
        if (!st.peer || !equalBytes(st.peer.bytes, share.value.bytes)) {
          st.peer = share.value;
          st.secret = undefined;
          newPeerShare = true;
        }
      }
      if (newPeerShare) {
        const first = secretOf(st);
        if (
          !first.ok &&
          (first.error.code === 'RECONSTRUCTION_FAILED' || first.error.code === 'EPOCH_MISMATCH')
        ) {
          // The peer holds a share of another split (it refetched, e.g. after a restart): fetch
          // ours again; the server hands out the matching pending share (or rotates once more).
          st.own = undefined;
          const again = await ownShare(cid, st);
          if (!again.ok) return again;
        }
      }
      const own2 = st.own ?? own.value;
      let payload: Payload | null = null;
      if (p.ct !== undefined) {
        const ctBytes =
          typeof p.ct === 'string' ? base64urlDecode(p.ct, MAX_MESSAGE_BYTES + 64) : null;
        if (ctBytes === null)
          return xpassErr('SHARE_INVALID', 'ct must be base64url', { subCode: 'BAD_CIPHERTEXT' });
        const secret = secretOf(st);
        if (!secret.ok) {
          // We cannot read it (no or mismatched peer share, e.g. after our restart): hand our
          // share to the peer so the next messages work, and report this one as failed.
          const sent = await sendRaw(msg.sender, msg.scope, {
            xpass: 1,
            cid,
            epoch: own2.epoch,
            share: shareEnvelopeToBase45(own2),
          });
          if (sent.ok) st.sentOurs = true;
          return secret;
        }
        const pt = decryptWithConnectionSecret(secret.value, ctBytes);
        if (!pt.ok) return pt;
        payload = decodeInner(pt.value);
        if (payload === null)
          return xpassErr('SHARE_INVALID', 'the decrypted payload is malformed', {
            subCode: 'BAD_CIPHERTEXT',
          });
        st.peerHasOurs = true;
      } else if (newPeerShare) {
        const secret = secretOf(st);
        if (!secret.ok) return secret;
      }
      if (newPeerShare && !st.sentOurs && payload === null) {
        // Handshake answer: give the peer our share so it can flush what it queued.
        const sent = await sendRaw(msg.sender, msg.scope, {
          xpass: 1,
          cid,
          epoch: own2.epoch,
          share: shareEnvelopeToBase45(own2),
        });
        if (!sent.ok) return sent;
        st.sentOurs = true;
      }
      if (st.secret && st.queue.length > 0) {
        const queued = st.queue.splice(0);
        for (const q of queued) {
          const r = await billed.send({ to: msg.sender, payload: q.payload, scope: q.scope });
          if (!r.ok) return r;
        }
      }
      return ok({
        sender: msg.sender,
        scope: msg.scope,
        payload,
        connectionId: cid,
        epoch: own2.epoch,
        message: msg,
      });
    },

    forget() {
      peers.clear();
    },
  };
  return ok(billed);
}

/**
 * A {@link BillingClient} that calls a {@link BillingService} in the same process (tests,
 * examples, single-process deployments).
 * @param service the billing service
 * @param challenges nonce store for request challenges (agent-sdk `MemoryNonceStore`)
 */
export function inProcessBillingClient(
  service: BillingService,
  challenges: ChallengeStore,
): BillingClient {
  return {
    publicKey: service.publicKey,
    fetchShare: (request) =>
      handleShareRequest(service, JSON.parse(JSON.stringify(request)), { challenges }),
  };
}
