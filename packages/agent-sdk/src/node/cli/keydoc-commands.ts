/**
 * `xlink keydoc export`: writes the keystore identity's signed key document (the public
 * `KeyDocumentJson` of docs/formats.md: DID, X25519 / X-Wing / ML-DSA public keys, versions,
 * Ed25519 signature). It is what operators of other services need to seal to this identity
 * without a registry: `xghost lease export --customer-key-document <file>` and the xpass /
 * xghost admin tooling. Public data: written 0644, never the private key.
 *
 * @module
 */
import { createKeyDocument, keyDocumentToJson } from '../../key-document.js';
import { writeFileAtomic } from '../atomic-write.js';
import { loadKeystore } from './keystore.js';
import { keystoreOption, type XlinkContext } from './shared-options.js';

/** Mode of the written key document: public, readable by other operators' tools. */
const KEYDOC_FILE_MODE = 0o644;

/**
 * Adds `keydoc export` to the program.
 * @param x the shared context (program, keystore path)
 */
export function addKeydocCommands(x: XlinkContext): void {
  const { cli } = x;
  const keydoc = cli.program
    .command('keydoc')
    .description('key documents: the public, signed description of an identity');
  keydoc
    .command('export')
    .description('write the keystore identity key document (for xghost / xpass operators)')
    .addOption(keystoreOption())
    .option('--out <file>', 'write it to this file (atomic, mode 0644) instead of stdout')
    .action(async (o: { keystore?: string; out?: string }) => {
      const ks = cli.unwrap(loadKeystore(x.keystorePath(o)));
      const doc = cli.unwrap(createKeyDocument(ks.identity));
      const json = keyDocumentToJson(doc);
      if (o.out === undefined) {
        cli.print(JSON.stringify(json, null, 2), json);
        return;
      }
      await writeFileAtomic(o.out, `${JSON.stringify(json, null, 2)}\n`, {
        mode: KEYDOC_FILE_MODE,
      });
      cli.print(`wrote the key document of ${doc.did} to ${o.out}`, {
        did: doc.did,
        out: o.out,
        versions: doc.versions,
      });
    });
}
