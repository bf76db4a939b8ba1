/**
 * `npm start` with EDHOC, end to end: the device bundle with EDHOC (dist/device/sim-device-edhoc.js)
 * in xsnap-worker as Responder, our Node client as Initiator with the credentials file `npm start`
 * wrote (`<state>/client/edhoc.json`, aiocoap's edhoc-oscore entry) — no pre-shared OSCORE secret:
 * - the CLI gets /temperature (the combined request, RFC 9668, accepted by the device);
 * - an in-process client keeps its EDHOC-derived context; after a clean device restart the device
 *   loads that context from flash and the same client is served without a new handshake;
 * - a new client process (a restart of the client side) runs a new handshake and is served.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './cli-harness.js';
import { SimDevice, freePort } from './harness/sim-device.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { nodeRandom } from '../targets/node/ports.js';
import { CredentialsFile } from '../targets/node/credentials.js';
import { initiatorIdentity } from '../targets/node/edhoc-credentials.js';
import { edhocClientLayer } from '../src/layers/edhoc-client.js';
import { nobleAsymmetricCrypto } from '../src/crypto/asymmetric-noble.js';
import type { EdhocMatch } from '../src/credentials/credentials-map.js';
import { toHex } from '../src/bytes.js';

/** `npm start` (EDHOC device), building the bundles first when `build`; ready once it printed its commands. */
function startDevice(state: string, port: number, build: boolean): Promise<SimDevice> {
  const args = ['--state', state, '--port', String(port)];
  return SimDevice.start(build ? args : [...args, '--no-build'], 'kill -9 is a power cut');
}

describe('npm start with EDHOC: Node initiator ↔ the device bundle in xsnap as responder', () => {
  let state: string;
  let port: number;
  let device: SimDevice;
  before(async () => {
    state = mkdtempSync(join(tmpdir(), 'oscore-xs-edhoc-sim-'));
    port = await freePort();
    device = await startDevice(state, port, true);
  });
  after(async () => {
    await device?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  it('npm start prints the EDHOC line and wrote the client credentials (key file 0600; the device key only in flash)', () => {
    const edhoc = join(state, 'client', 'edhoc.json');
    assert.match(device.log(), new RegExp('npx oscore-xs client coap://127\\.0\\.0\\.1:' + port + '/temperature --credentials .*client/edhoc\\.json'));
    assert.match(device.log(), new RegExp('npx oscore-xs client coap://127\\.0\\.0\\.1:' + port + '/temperature --credentials .*client/credentials\\.json'));
    assert.equal(statSync(join(state, 'client', 'edhoc-client.cosekey')).mode & 0o777, 0o600);
    const text = readFileSync(edhoc, 'utf8');
    assert.match(text, /"edhoc-oscore"/);
    assert.doesNotMatch(text, /secret|"-4"/); // no private key in the credentials file
  });

  it('the CLI gets a temperature over EDHOC + OSCORE (combined request accepted by the device)', async () => {
    const r = await run(['client', 'coap://127.0.0.1:' + port + '/temperature', '--credentials', join(state, 'client', 'edhoc.json'), '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d\n$/);
    assert.match(r.stderr, /message_3 goes with the first OSCORE request/);
    await device.waitFor(/\[device\] EDHOC: message_3 verified \(combined request, RFC 9668\); OSCORE context: Sender ID [0-9a-f]+, Recipient ID [0-9a-f]+/);
  });

  it('the derived context persists in the device flash: after a device restart the same client is served without a new handshake; a new client handshakes anew', async () => {
    const credPath = join(state, 'client', 'edhoc.json');
    const creds = CredentialsFile.read(credPath);
    const match = creds.map.forUri('coap://127.0.0.1:' + port + '/temperature') as EdhocMatch;
    const identity = initiatorIdentity(credPath, match, nobleAsymmetricCrypto, nodeRandom);
    const trace: string[] = [];
    const { endpoint, udp } = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: edhocClientLayer({ crypto: nobleAsymmetricCrypto, random: nodeRandom, credentialsFor: () => ({ name: 'device', identity }), trace: (l) => trace.push(l) }) });
    try {
      const first = await endpoint.request({ uri: 'coap://127.0.0.1:' + port + '/temperature' });
      assert.equal(first.codeString, '2.05');
      assert.equal(trace.filter((l) => l.startsWith('EDHOC: message_1')).length, 1);
      const rid = /OSCORE context: Sender ID ([0-9a-f]+)/.exec(trace.join('\n'))![1];
      // Clean restart of the device (Ctrl-C): the context is read back from flash.
      assert.equal(await device.stop(), 0);
      device = await startDevice(state, port, false);
      await device.waitFor(new RegExp('EDHOC context from flash: Recipient ID ' + rid));
      const again = await endpoint.request({ uri: 'coap://127.0.0.1:' + port + '/temperature' });
      assert.equal(again.codeString, '2.05');
      assert.equal(trace.filter((l) => l.startsWith('EDHOC: message_1')).length, 1, 'no new handshake');
    } finally {
      endpoint.close();
      udp.close();
    }
    // A restart of the client side: a new process, a new handshake, served.
    const r = await run(['client', 'coap://127.0.0.1:' + port + '/temperature', '--credentials', credPath, '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /EDHOC: message_1/);
    // The pre-shared context still serves too.
    const psk = await run(['client', 'coap://127.0.0.1:' + port + '/temperature', '--credentials', join(state, 'client', 'credentials.json')]);
    assert.equal(psk.code, 0, psk.stderr);
    void toHex;
  });
});
