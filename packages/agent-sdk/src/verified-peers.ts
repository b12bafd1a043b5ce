/**
 * Peers of an Agent as the registry lists them, with their key documents verified against their
 * DIDs (key-document.ts). Both pipelines resolve through it: send for the recipient, receive for
 * the sender.
 *
 * Pitfalls:
 * - A verified document is reused only while the registry serves the same signature bytes; a
 *   changed document is verified again, never trusted because the DID matches.
 * - The cache is an LRU of 1 024 DIDs, so a stream of envelopes naming many DIDs cannot grow
 *   memory without limit.
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import { ok, type Result } from 'xorida';
import type { XlinkErrorDetail } from './errors.js';
import { type KeyDocument, verifyKeyDocument } from './key-document.js';
import { bytesEqual } from './lib/binary.js';
import type { RegistryEntry, TrustRegistry } from './registry.js';

/** A registry entry together with its verified key document. */
export interface VerifiedPeer {
  readonly entry: RegistryEntry;
  readonly doc: KeyDocument;
}

/** Resolves DIDs through a registry and caches the verified key documents. */
export class VerifiedPeers {
  private readonly docs = new LRUCache<string, KeyDocument>({ max: 1024 });

  /** @param registry where peers are looked up */
  constructor(private readonly registry: TrustRegistry) {}

  /**
   * Looks a peer up (revoked entries are returned too; callers decide what revocation means).
   * @param did the peer's did:key
   * @returns the entry and verified document, or the registry's error
   *   (`DID_NOT_IN_REGISTRY`, `LOOKUP_FAILED`, ...), `INVALID_KEY_DOCUMENT`, `INVALID_DID`
   */
  async resolve(did: string): Promise<Result<VerifiedPeer, XlinkErrorDetail>> {
    const r = await this.registry.resolve(did);
    if (!r.ok) return r;
    const entry = r.value;
    const cached = this.docs.get(did);
    // Same signature bytes: reuse the document verified earlier (never the new, unverified one).
    if (cached && bytesEqual(cached.signature, entry.keyDocument.signature))
      return ok({ entry, doc: cached });
    const doc = verifyKeyDocument(entry.keyDocument, did);
    if (!doc.ok) return doc;
    this.docs.set(did, doc.value);
    return ok({ entry, doc: doc.value });
  }
}
