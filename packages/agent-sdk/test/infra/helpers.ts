/** Infra test fixtures: a real server on an ephemeral loopback port and agents wired to it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Agent,
  type AgentMessage,
  type AgentOptions,
  generateIdentity,
  HttpsTransportAdapter,
  HttpTrustRegistry,
  type ListenOptions,
  requestSignerFromIdentity,
  type XlinkErrorDetail,
} from '../../src/index.js';
import {
  createXlinkServer,
  type XlinkServer,
  type XlinkServerOptions,
} from '../../src/node/index.js';

export const ADMIN = 'test-admin-token';

export interface Running {
  server: XlinkServer;
  url: string;
  dataDir: string;
}

/** Starts a server (file storage in a temp dir unless given) on 127.0.0.1:0. */
export async function startServer(opts: Partial<XlinkServerOptions> = {}): Promise<Running> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'xlink-srv-'));
  const s = await createXlinkServer({
    dataDir,
    adminToken: ADMIN,
    selfRegistration: true,
    logger: false,
    ...opts,
  });
  if (!s.ok) throw new Error(`${s.error.code}: ${s.error.message}`);
  const l = await s.value.listen({ port: 0 });
  if (!l.ok) throw new Error(l.error.message);
  return { server: s.value, url: l.value.url, dataDir };
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A fresh agent that self-registers at `url` with `scopes`, sending through the relay. */
export async function relayAgent(
  url: string,
  name: string,
  scopes: string[],
  extra: Partial<AgentOptions> = {},
): Promise<Agent> {
  const id = generateIdentity();
  if (!id.ok) throw new Error('identity');
  const agent = Agent.fromParts({
    identity: id.value,
    name,
    scopes,
    registry: new HttpTrustRegistry({ baseUrl: url, signer: requestSignerFromIdentity(id.value) }),
    transport: new HttpsTransportAdapter({ baseUrl: url, retries: 0 }),
    ...extra,
  });
  const r = await agent.register();
  if (!r.ok) throw new Error(`${r.error.code}/${r.error.subCode}: ${r.error.message}`);
  return agent;
}

/** JSON POST helper. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** `agent.listen()` until the first message or the first error, which stops it. */
export async function listenOnce(
  agent: Agent,
  options: Omit<ListenOptions, 'onMessage' | 'onError' | 'signal'>,
): Promise<{ got?: AgentMessage; errors: (XlinkErrorDetail | Error)[] }> {
  let got: AgentMessage | undefined;
  const errors: (XlinkErrorDetail | Error)[] = [];
  const ac = new AbortController();
  await agent.listen({
    batch: 1,
    intervalMs: 20,
    ...options,
    signal: ac.signal,
    onMessage: (m) => {
      got = m;
      ac.abort();
    },
    onError: (e) => {
      errors.push(e);
      ac.abort();
    },
  });
  return { ...(got ? { got } : {}), errors };
}
