import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backend } from '@xorida/agent-sdk/crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from 'xorida';
import { AuditChain, type SignedHead, verifyAuditLog } from '../src/index.js';
import { runCli } from '../src/node/index.js';
import { clock, DID_A, DID_B, expectErr, must, service, T0 } from './helpers.js';
import { V } from './vectors.js';

const pub = hexToBytes(V.publicKey);
const signer = backend.ed25519Signer(hexToBytes(V.seed));

function chainOf(n: number, headEvery = 4) {
  let t = T0;
  const chain = new AuditChain({ sign: signer.sign, headEvery, now: () => t++ });
  for (let i = 0; i < n; i++)
    chain.append({
      type: i % 2 ? 'issue_share' : 'rotate',
      connectionId: V.connectionId,
      epoch: i,
      actor: DID_A,
      detail: `event ${i}`,
    });
  return chain;
}

describe('audit chain', () => {
  it('verifies a clean log and reports the signed range', () => {
    const chain = chainOf(10);
    const r = must(verifyAuditLog(chain.lines, { publicKey: pub }));
    expect(r.entries.length).toBe(10);
    expect(r.signedThrough).toBe(7);
    expect(r.unsignedTail).toBe(2);
    expectErr(
      verifyAuditLog(chain.lines, { publicKey: pub, requireSignedTail: true }),
      'AUDIT_VERIFICATION_FAILED',
      'UNSIGNED_TAIL',
    );
    chain.signHead();
    expect(
      must(
        verifyAuditLog(`${chain.lines.join('\n')}\n`, { publicKey: pub, requireSignedTail: true }),
      ).unsignedTail,
    ).toBe(0);
  });

  it('detects an edit of any field of any entry', () => {
    const chain = chainOf(6, 2);
    const lines = [...chain.lines];
    const fields = [
      'ts',
      'type',
      'connectionId',
      'epoch',
      'actor',
      'detail',
      'prevHash',
      'hash',
      'seq',
    ];
    let edits = 0;
    lines.forEach((line, i) => {
      const o = JSON.parse(line);
      if (o.kind !== 'entry') return;
      for (const f of fields) {
        const e = { ...o };
        if (typeof e[f] === 'number') e[f] += 1;
        else if (f === 'type') e[f] = e[f] === 'rotate' ? 'revoke' : 'rotate';
        else if (typeof e[f] === 'string')
          e[f] = e[f].replace(/.$/, (c: string) => (c === '0' ? '1' : '0'));
        else e[f] = 'x';
        const edited = [...lines];
        edited[i] = JSON.stringify(e);
        const r = verifyAuditLog(edited, { publicKey: pub });
        expect(r.ok, `edit of ${f} on line ${i + 1}`).toBe(false);
        edits++;
      }
    });
    expect(edits).toBe(6 * fields.length);
  });

  it('detects a rewritten entry with recomputed hashes through the signed head', () => {
    const chain = chainOf(4, 4);
    const lines = chain.lines.map((l) => JSON.parse(l));
    // Attacker edits entry 1 and recomputes every hash after it, but cannot re-sign the head.
    let prev = lines[0].hash;
    for (let i = 1; i < 4; i++) {
      if (i === 1) lines[i].detail = 'forged';
      lines[i].prevHash = prev;
      const { kind: _k, hash: _h, ...body } = lines[i];
      lines[i].hash = bytesToHex(
        backend.sha256(
          new TextEncoder().encode(
            `xpass/audit-entry/v1\n${JSON.stringify([body.v, body.seq, body.ts, body.type, body.connectionId, body.epoch, body.actor, body.detail, body.prevHash])}`,
          ),
        ),
      );
      prev = lines[i].hash;
    }
    lines[4].hash = prev;
    expectErr(
      verifyAuditLog(
        lines.map((l) => JSON.stringify(l)),
        { publicKey: pub },
      ),
      'AUDIT_VERIFICATION_FAILED',
      'HEAD_SIGNATURE_INVALID',
    );
  });

  it('detects deletion, reordering and truncation', () => {
    const chain = chainOf(8, 4);
    const lines = [...chain.lines]; // e0 e1 e2 e3 H3 e4 e5 e6 e7 H7
    expect(lines.length).toBe(10);
    expectErr(
      verifyAuditLog([...lines.slice(0, 2), ...lines.slice(3)], { publicKey: pub }),
      'AUDIT_VERIFICATION_FAILED',
      'SEQ_GAP',
    );
    expectErr(
      verifyAuditLog([lines[1]!, lines[0]!, ...lines.slice(2)], { publicKey: pub }),
      'AUDIT_VERIFICATION_FAILED',
      'SEQ_GAP',
    );
    // Entries cut but a later head kept: the head names an entry that is gone.
    expectErr(
      verifyAuditLog([...lines.slice(0, 7), lines[9]!], { publicKey: pub }),
      'AUDIT_VERIFICATION_FAILED',
      'TRUNCATED',
    );
    // Cut back to an older head: only the independently obtained latest head reveals it.
    const cut = lines.slice(0, 5);
    expect(verifyAuditLog(cut, { publicKey: pub }).ok).toBe(true);
    const latest = chain.latestHead as SignedHead;
    expectErr(
      verifyAuditLog(cut, { publicKey: pub, expectedHead: latest }),
      'AUDIT_VERIFICATION_FAILED',
      'TRUNCATED',
    );
    must(verifyAuditLog(lines, { publicKey: pub, expectedHead: latest }));
  });

  it('rejects another key, malformed lines and extra fields', () => {
    const lines = [...chainOf(4, 2).lines];
    expectErr(
      verifyAuditLog(lines, { publicKey: new Uint8Array(32).fill(9) }),
      'AUDIT_VERIFICATION_FAILED',
      'HEAD_SIGNATURE_INVALID',
    );
    expectErr(
      verifyAuditLog([...lines, 'not json'], { publicKey: pub }),
      'AUDIT_VERIFICATION_FAILED',
      'MALFORMED',
    );
    const extra = JSON.parse(lines[0]!);
    extra.more = 1;
    expectErr(
      verifyAuditLog([JSON.stringify(extra), ...lines.slice(1)], { publicKey: pub }),
      'AUDIT_VERIFICATION_FAILED',
      'MALFORMED',
    );
    expectErr(verifyAuditLog(lines, { publicKey: new Uint8Array(3) }), 'INVALID_INPUT');
    expectErr(
      verifyAuditLog(lines, { publicKey: pub, expectedHead: { bogus: true } as never }),
      'AUDIT_VERIFICATION_FAILED',
      'MALFORMED',
    );
  });

  it('the billing service logs every lifecycle event', async () => {
    const c = clock();
    const audit = new AuditChain({ sign: signer.sign, headEvery: 1, now: c.now });
    const svc = service({ audit, now: c.now });
    const conn = must(await svc.createConnection(DID_A, DID_B, 'xlink'));
    must(await svc.rotate(conn.connectionId));
    must(await svc.issueShare(conn.connectionId, DID_A));
    must(await svc.suspend(conn.connectionId, 'payment_failed'));
    must(await svc.grace(conn.connectionId));
    must(await svc.revoke(conn.connectionId));
    must(await svc.reactivate(conn.connectionId));
    expect(audit.allEntries.map((e) => e.type)).toEqual([
      'create',
      'issue_share',
      'issue_share',
      'rotate',
      'issue_share',
      'suspend',
      'grace',
      'revoke',
      'reactivate',
    ]);
    const r = must(
      verifyAuditLog(audit.lines, { publicKey: svc.publicKey, requireSignedTail: true }),
    );
    expect(r.heads.length).toBe(9);
  });
});

describe('xpass audit verify (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xpass-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('accepts a good log and rejects edited and truncated ones', async () => {
    const chain = chainOf(8, 4);
    const good = join(dir, 'good.jsonl');
    writeFileSync(good, `${chain.lines.join('\n')}\n`);
    const ok = await run('audit', 'verify', good, '--public-key', V.publicKey);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^OK 8 entries, 2 signed heads/);

    const edited = join(dir, 'edited.jsonl');
    writeFileSync(edited, `${chain.lines.join('\n').replace('event 2', 'event X')}\n`);
    const bad = await run('audit', 'verify', edited, '--public-key', V.publicKey);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/AUDIT_VERIFICATION_FAILED:HASH_MISMATCH/);

    const truncated = join(dir, 'truncated.jsonl');
    writeFileSync(truncated, `${chain.lines.slice(0, 5).join('\n')}\n`);
    const head = join(dir, 'head.json');
    writeFileSync(head, JSON.stringify(chain.latestHead));
    expect((await run('audit', 'verify', truncated, '--public-key', V.publicKey)).code).toBe(0);
    const t = await run('audit', 'verify', truncated, '--public-key', V.publicKey, '--head', head);
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/TRUNCATED/);

    expect((await run('audit', 'verify', good)).code).toBe(2);
    expect((await run('audit', 'verify', good, '--public-key', 'zz')).code).toBe(2);
    expect(
      (await run('audit', 'verify', join(dir, 'missing.jsonl'), '--public-key', V.publicKey)).code,
    ).toBe(1);
    expect((await run('bogus')).code).toBe(2);
  });
});
