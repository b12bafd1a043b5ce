// Child process of relay.bench.ts: the BUILT registry + relay server on an ephemeral loopback
// port, on file storage (argv[2] = data dir) or Redis (argv[3] = redis URL, argv[4] = prefix).
// Prints "PORT <n>"; exits on SIGTERM after a graceful close.
import { backend } from '@xorida/agent-sdk/crypto';
import { createXlinkServer } from '@xorida/agent-sdk/node';

const [dataDir, redisUrl, prefix] = process.argv.slice(2);
const s = await createXlinkServer({
  ...(redisUrl ? { redisUrl, redisKeyPrefix: prefix } : { dataDir }),
  rateLimit: false,
  logger: false,
  maxMailboxMessages: 1_000_000,
  // As `xlink serve`: every deposit is answered with a signed receipt (SHA-256 of the envelope +
  // one Ed25519 signature), so that cost is measured.
  relayReceiptKey: backend.ed25519Signer(new Uint8Array(32).fill(3)),
  // The bench prepares its envelopes once and posts them again for the whole run; a day-long
  // deposit window keeps them acceptable (the freshness check itself is still performed).
  depositWindowMs: 86_400_000,
});
if (!s.ok) {
  console.error(s.error.message);
  process.exit(1);
}
const l = await s.value.listen({ port: 0 });
if (!l.ok) process.exit(1);
s.value.installSignalHandlers();
console.log(`PORT ${l.value.port}`);
