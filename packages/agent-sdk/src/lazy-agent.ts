/**
 * `Agent.lazy({ name })`: an agent that sets itself up on first use. On the first `send` /
 * `receive` / `ready()` it loads the identity from `identityStore` (or generates one and saves
 * it), then either accepts the invite in `inviteCode` / `XLINK_INVITE_CODE` (registering in the
 * inviter's registry with the invited scopes) or, without an invite, self-registers in
 * `registry` / `XLINK_REGISTRY_URL` with `scopes`.
 *
 * Pitfalls:
 * - Without an `identityStore` the identity lives only in memory (a new DID per process); under
 *   Node pass `keystoreIdentityStore()` from `@xorida/agent-sdk/node`.
 * - A failed setup is not cached: the next call tries again (an invite already redeemed then
 *   fails with `INVITE_USED`, so persist the identity).
 *
 * @module
 */
import { err, ok, type Result } from 'xorida';
import { type Agent, provideLazyAgentFactory } from './agent.js';
import type { ReceiveOptions, ReceiveResult, SendOptions, SendReceipt } from './agent-types.js';
import { acceptInvite, registryAgent } from './connect.js';
import type { XlinkErrorDetail } from './errors.js';
import { type AgentIdentity, generateIdentity } from './identity.js';
import { type InviteErrorDetail, parseInvite } from './invite.js';

/** Where a lazily created identity is kept. */
export interface IdentityStore {
  load(): AgentIdentity | undefined;
  save(identity: AgentIdentity, name: string): void;
}

/** Options of `Agent.lazy`. */
export interface LazyAgentOptions {
  readonly name: string;
  /** Invite to accept on first use (default `XLINK_INVITE_CODE`). */
  readonly inviteCode?: string;
  /** Registry without an invite (default `XLINK_REGISTRY_URL`). */
  readonly registry?: string;
  readonly relay?: string;
  /** Scopes to self-register with when there is no invite (default `['*']`). */
  readonly scopes?: readonly string[];
  readonly identityStore?: IdentityStore;
}

/** What `LazyAgent.ready()` can fail with: an Xlink error or an invite error. */
export type SetupError = XlinkErrorDetail | InviteErrorDetail;

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env?.[name] || undefined;
}

/** See module doc. */
export class LazyAgent {
  private pending: Promise<Result<Agent, SetupError>> | undefined;
  private identity: AgentIdentity | undefined;

  constructor(private readonly opts: LazyAgentOptions) {}

  /** Sets the agent up (idempotent); returns it or the setup error. */
  ready(): Promise<Result<Agent, SetupError>> {
    if (!this.pending) {
      this.pending = this.setup().then((r) => {
        if (!r.ok) this.pending = undefined;
        return r;
      });
    }
    return this.pending;
  }

  private async setup(): Promise<Result<Agent, SetupError>> {
    let identity = this.opts.identityStore?.load();
    if (!identity) {
      const g = generateIdentity();
      if (!g.ok) return g;
      identity = g.value;
      this.opts.identityStore?.save(identity, this.opts.name);
    }
    this.identity = identity;
    const code = this.opts.inviteCode ?? env('XLINK_INVITE_CODE');
    if (code) {
      const a = await acceptInvite(code, { identity, name: this.opts.name });
      if (a.ok) return ok(a.value.agent);
      // INVITE_USED after a restart with a persisted identity: fall through to the registry
      // below only when this identity is already registered there
      if (a.error.code !== 'INVITE_USED') return a;
      const inv = parseInvite(code);
      if (!inv.ok) return inv;
      const again = await registryAgent(identity, {
        registry: inv.value.registry,
        relay: inv.value.relay,
        name: this.opts.name,
      });
      if (!again.ok) return again;
      const self = await again.value.registry.resolve(identity.did);
      return self.ok ? again : a;
    }
    const registry = this.opts.registry ?? env('XLINK_REGISTRY_URL');
    if (!registry)
      return err<SetupError>({
        code: 'INVALID_OPTIONS',
        message: 'Agent.lazy needs XLINK_INVITE_CODE or a registry (XLINK_REGISTRY_URL)',
        hint: 'Set XLINK_INVITE_CODE=XLK-... or XLINK_REGISTRY_URL',
      } as XlinkErrorDetail);
    return registryAgent(identity, {
      registry,
      name: this.opts.name,
      ...(this.opts.relay ? { relay: this.opts.relay } : {}),
      scopes: this.opts.scopes ?? ['*'],
    });
  }

  /** The DID once set up (undefined before the first use). */
  get did(): string | undefined {
    return this.identity?.did;
  }

  /** `agent.send` after setup. */
  async send(options: SendOptions): Promise<Result<SendReceipt, SetupError>> {
    const a = await this.ready();
    return a.ok ? a.value.send(options) : a;
  }

  /** `agent.receive` after setup. */
  async receive(
    envelope: unknown,
    options?: ReceiveOptions,
  ): Promise<Result<ReceiveResult, SetupError>> {
    const a = await this.ready();
    return a.ok ? a.value.receive(envelope, options) : a;
  }
}

// Agent.lazy builds through this factory: agent.ts cannot import this module (it imports
// connect.ts, which imports agent.ts), so the dependency points from here to the Agent.
provideLazyAgentFactory((options) => new LazyAgent(options));
