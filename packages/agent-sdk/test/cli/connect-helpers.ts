// A registry + relay server with the invite / name routes (what `xlink serve` runs), in-process.
import { join } from 'node:path';
import { MemoryNonceStore } from '../../src/index.js';
import {
  createXlinkServer as create,
  createRequestVerifier,
  FileInviteStore,
  FileTrustRegistry,
  inviteRoutes,
} from '../../src/node/index.js';

export async function createXlinkServer(
  dir: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const registry = new FileTrustRegistry({ path: join(dir, 'registry.jsonl') });
  const o = await registry.open();
  if (!o.ok) throw new Error(o.error.message);
  const store = await FileInviteStore.open(join(dir, 'invites.jsonl'));
  if (!store.ok) throw new Error(store.error.message);
  const s = await create({ registry, dataDir: dir, selfRegistration: true, logger: false });
  if (!s.ok) throw new Error(s.error.message);
  await s.value.app.register(inviteRoutes, {
    registry,
    store: store.value,
    verifyRequest: createRequestVerifier(new MemoryNonceStore()),
  });
  const l = await s.value.listen({ port: 0 });
  if (!l.ok) throw new Error(l.error.message);
  return {
    url: l.value.url,
    close: async () => {
      await s.value.close();
      await registry.close();
      await store.value.close();
    },
  };
}
