/**
 * What the device bundles carry (issue 8's size budget): rollup builds the two example apps from
 * rollup.config.mjs without the minifier, and the rendered code is checked for the classes and
 * functions that belong only to the other side. A client-only app must not carry the server
 * (Router, observer registry, Block1 reassembly, OSCORE request verification, Echo issuer); the
 * server app not the request API (CoapClient, URI parsing, request protection), the client side
 * of messaging (Messaging: tokens, NSTART, ping), the MAC mode of Echo values, nor Block-wise,
 * which it does not use. Declaration names survive rollup unless two collide (then `Name$1`),
 * so each check matches `class Name` / `function Name` followed by a non-name character.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rollup, type RollupOptions, type OutputOptions } from 'rollup';

const ROOT = process.cwd();
type Entry = RollupOptions & { output: OutputOptions };

/** The entry's bundle as rollup renders it before terser (the last plugin). */
async function unminified(file: string): Promise<string> {
  const config = (await import(pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)).default as Entry[];
  // An example app is two chunks (the app and its preloaded library part): look at both.
  const e = config.find((c) => String(c.output.file ?? 'dist/device/' + c.output.entryFileNames).endsWith(file));
  assert.ok(e, file + ' is an entry of rollup.config.mjs');
  const plugins = (e.plugins as unknown[]).slice(0, -1) as RollupOptions['plugins'];
  const b = await rollup({ ...e, plugins, onwarn: () => {} });
  const { output } = await b.generate(e.output);
  await b.close();
  return output.map((o) => (o.type === 'chunk' ? o.code : '')).join('\n');
}

/** The source modules rollup put into the entry's chunks. */
async function moduleIds(file: string): Promise<string[]> {
  const config = (await import(pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)).default as Entry[];
  const e = config.find((c) => String(c.output.file ?? 'dist/device/' + c.output.entryFileNames).endsWith(file))!;
  const b = await rollup({ ...e, plugins: (e.plugins as unknown[]).slice(0, -1) as RollupOptions['plugins'], onwarn: () => {} });
  const { output } = await b.generate(e.output);
  await b.close();
  return output.flatMap((o) => (o.type === 'chunk' ? Object.keys(o.modules) : [])).map((id) => id.replace(ROOT + '/', ''));
}

const declares = (code: string, name: string) => new RegExp('(class|function) ' + name + '(\\$\\d+)?[^\\w$]').test(code);

describe('device bundles carry only their side', () => {
  it('the client-only app has no Router, Observe, Block-wise, Echo or OSCORE request verification', async () => {
    const code = await unminified('example-client.js');
    // Sanity: what it does use is there, so the absent names below are not a naming accident.
    for (const used of ['ComposedEndpoint', 'CoapClient', 'protectRequest', 'unprotectResponse', 'Messaging', 'RecordLog']) assert.ok(declares(code, used), used + ' is in the client bundle');
    for (const absent of ['Router', 'IncomingRequest', 'ObserveLayer', 'ObserverRegistry', 'BlockwiseLayer', 'Block1Reassembly', 'EchoLayer', 'EchoIssuer', 'unprotectRequest', 'protectResponse', 'contextLookup']) {
      assert.ok(!declares(code, absent), absent + ' must not be in the client bundle');
    }
  });

  it('the server app has no request API, client-side messaging, request protection, MAC Echo values or Block-wise', async () => {
    const code = await unminified('example-server.js');
    for (const used of ['ComposedEndpoint', 'ServerMessaging', 'Router', 'ObserveLayer', 'EchoIssuer', 'unprotectRequest', 'protectResponse']) assert.ok(declares(code, used), used + ' is in the server bundle');
    for (const absent of ['CoapClient', 'Endpoint', 'Messaging', 'MacEchoIssuer', 'parseCoapUri', 'protectRequest', 'unprotectResponse', 'BlockwiseLayer', 'Block1Reassembly', 'EchoLayer', 'NotificationStream']) {
      assert.ok(!declares(code, absent), absent + ' must not be in the server bundle');
    }
  });

  it('every device bundle stays CCM-only: no host AEAD (GCM, ChaCha20/Poly1305) and no noble GCM/ChaCha code', async () => {
    for (const file of ['example-server.js', 'example-client.js', 'oscore-xs.js', 'sim-device.js']) {
      const code = await unminified(file);
      assert.ok(declares(code, 'CcmCipher'), 'CcmCipher is in ' + file);
      for (const absent of ['HostAeadAlgorithm', 'HostAeadKey', 'findAnyAlgorithm']) assert.ok(!declares(code, absent), absent + ' must not be in ' + file);
      // The Moddable builds carry no noble at all; the simulator build keeps noble's AES module, whose
      // unused GCM definitions only terser drops, so the name check above is what holds for it.
      if (file !== 'sim-device.js') assert.ok(!/chacha20poly1305|ghash|polyval/i.test(code), file + ' carries no noble GCM/ChaCha code');
    }
  });

  it('EDHOC only in its own bundle: the OSCORE-only apps carry none of it, npm start\'s EDHOC device bundle has the responder', async () => {
    for (const file of ['example-server.js', 'example-client.js', 'sim-device.js']) {
      const code = await unminified(file);
      for (const absent of ['EdhocResponderService', 'EdhocResponder', 'EdhocInitiator', 'edhocSecurity']) assert.ok(!declares(code, absent), absent + ' must not be in ' + file);
    }
    const edhoc = await unminified('sim-device-edhoc.js');
    for (const used of ['EdhocResponderService', 'EdhocResponder', 'edhocSecurity']) assert.ok(declares(edhoc, used), used + ' is in sim-device-edhoc.js');
    assert.ok(!declares(edhoc, 'EdhocInitiator'), 'the device only responds');
  });

  it('the OSCORE-only example apps carry no EDHOC, Group OSCORE, COSE keys or asymmetric crypto', async () => {
    for (const app of ['example-server.js', 'example-client.js']) {
      const ids = await moduleIds(app);
      assert.ok(ids.includes('src/crypto/ccm.ts') && ids.includes('src/persist/record-log.ts'), app + ': ' + ids.join(', '));
      assert.deepEqual(ids.filter((id) => /src\/(edhoc|group|cose|layers)\/|asymmetric|@noble\/curves/.test(id)), [], app);
    }
  });
});
