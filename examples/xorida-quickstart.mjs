// xorida quick start: split a secret 2-of-3, move the shares as text, recover from any two,
// and see what the split does not protect against (no integrity: authenticate above it).
import assert from 'node:assert/strict';
import {
  bytesToHex,
  bytesToUtf8,
  decodeShareBase45,
  encodeShareBase45,
  reconstruct,
  split,
  utf8ToBytes,
} from 'xorida';

const secret = utf8ToBytes('database password: correct horse battery staple');
const shares = split(secret, { threshold: 2, shares: 3 });
assert.ok(shares.ok);
console.log(
  `split ${secret.length} bytes into 3 shares (any 2 recover), ${shares.value[0].payload.length} bytes each`,
);

// Shares travel as Base45 text (RFC 9285), e.g. on paper or in QR codes.
const texts = shares.value.map((s) => {
  const t = encodeShareBase45(s);
  assert.ok(t.ok);
  return t.value;
});
console.log(`share 1 as text: ${JSON.stringify(`${texts[1].slice(0, 40)}...`)}`);

for (const [a, b] of [
  [0, 1],
  [0, 2],
  [1, 2],
]) {
  const pair = [texts[a], texts[b]].map((t) => {
    const d = decodeShareBase45(t);
    assert.ok(d.ok);
    return d.value;
  });
  const r = reconstruct(pair);
  assert.ok(r.ok);
  assert.equal(bytesToUtf8(r.value), bytesToUtf8(secret));
  console.log(`shares {${a},${b}} -> ${JSON.stringify(bytesToUtf8(r.value))}`);
}

// One share alone is uniformly random: it says nothing about the secret.
const one = reconstruct([shares.value[2]]);
assert.ok(!one.ok);
console.log(`one share -> ${one.error.code}: ${one.error.message}`);

// Shares of different splits never mix silently.
const other = split(secret, { threshold: 2, shares: 3 });
assert.ok(other.ok);
const mixed = reconstruct([shares.value[0], other.value[1]]);
assert.ok(!mixed.ok);
console.log(`mixed splits -> ${mixed.error.code}:${mixed.error.subCode}`);

// No integrity: flipping a bit in one share flips bits in the output, and nothing notices.
const tampered = { ...shares.value[1], payload: shares.value[1].payload.slice() };
tampered.payload[0] ^= 0x01;
const wrong = reconstruct([shares.value[0], tampered]);
assert.ok(wrong.ok);
assert.notEqual(bytesToHex(wrong.value), bytesToHex(secret));
console.log(
  'tampered share -> a different secret, undetected: sign or MAC shares in the layer above',
);
