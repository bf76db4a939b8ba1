/**
 * Group OSCORE on the device bundle (issue 14): rollup builds dist/device/sim-device-group.js from
 * rollup.config.mjs (terser included, exactly what ships), xsnap-worker runs it as member 02 of
 * the group over real UDP on 127.0.0.1, and a Node client (member 01, same group material) sends:
 * - a group-mode GET /temperature: a protected 2.05 in group mode from member 02;
 * - a pairwise-mode PUT /led: a protected 2.04 in pairwise mode, the LED state changed;
 * - a request with a tampered signature: refused with an unprotected 4.00 (§8.2), no resource
 *   served, and the member's replay window unchanged (the untampered request is then accepted).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rollup, type RollupOptions, type OutputOptions } from 'rollup';
import { SimulatedDeviceHost } from '../targets/xs-sim/device-host.js';
import { NorFlash } from '../src/sim/nor-flash.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { groupOscoreLayer } from '../src/layers/group-oscore-layer.js';
import { protectGroupRequest, unprotectGroupResponse } from '../src/group/index.js';
import { encodeMessage, decodeMessage } from '../src/coap/codec.js';
import { Code, MessageType } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { hasOption } from '../src/coap/message.js';
import { toHex, utf8Decode, utf8Encode } from '../src/bytes.js';
import type { LayeredMessage } from '../src/coap/client.js';
import { makeMembers, memberContext, GROUP_ID, GROUP_SECRET, GROUP_SALT } from './fuzz/group-world.js';
// @ts-expect-error: plain JS helper of the test scripts
import { XSNAP_WORKER } from '../scripts/xsnap-paths.mjs';

type Entry = RollupOptions & { output: OutputOptions };
const ROOT = process.cwd();

async function groupBundle(): Promise<string> {
  const config = (await import(pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)).default as Entry[];
  const e = config.find((c) => String(c.output.file).endsWith('sim-device-group.js'));
  assert.ok(e, 'sim-device-group.js is an entry of rollup.config.mjs');
  const b = await rollup({ ...e, onwarn: () => {} });
  const { output } = await b.generate(e.output);
  await b.close();
  return output[0].code;
}

describe('Group OSCORE: the device bundle in xsnap as a group member, a Node member as client', () => {
  const keyed = makeMembers(-8, 41);
  const lines: string[] = [];
  let host: SimulatedDeviceHost;
  let uri: string;
  const deviceId = keyed[1].member.senderId;
  before(async () => {
    const hex = (b: Uint8Array) => toHex(b);
    const group = {
      groupId: hex(GROUP_ID), masterSecret: hex(GROUP_SECRET), masterSalt: hex(GROUP_SALT), senderId: hex(deviceId), signatureAlgorithm: -8,
      credential: hex(keyed[1].member.credential), privateKey: hex(keyed[1].privateKey),
      members: [0, 2].map((i) => ({ senderId: hex(keyed[i].member.senderId), credential: hex(keyed[i].member.credential), publicKey: hex(keyed[i].member.publicKey) })),
    };
    const provision = { masterSecret: '0102030405060708090a0b0c0d0e0f10', masterSalt: '9e7ca92223786340', senderId: '01', recipientId: '' };
    host = await SimulatedDeviceHost.start({ workerBinary: XSNAP_WORKER, bundle: await groupBundle(), flash: new NorFlash({ sectors: 8 }), port: 0, log: (l) => lines.push(l), config: { group, provision, sensorIntervalMs: 60000 } });
    uri = 'coap://127.0.0.1:' + host.port;
  });
  after(async () => {
    await host?.kill();
  });

  it('comes up as member 02 of the group', () => {
    assert.ok(lines.includes('group 37cbf321: member 02, 2 other members'), lines.join('\n'));
  });

  it('answers a group-mode and a pairwise-mode request with protected responses in the same mode', async () => {
    const client = memberContext(keyed, 0, -8);
    const { endpoint, udp } = await openNodeEndpoint({ host: '127.0.0.1', port: 0, outer: [groupOscoreLayer({})] });
    try {
      const g = await endpoint.request({ uri: uri + '/temperature', layerData: { group: { context: client } } });
      assert.equal(g.codeString, '2.05');
      assert.match(g.text(), /^\d+\.\d$/);
      const gd = (g.message as LayeredMessage).layerData!;
      assert.equal(gd.groupMode, 'group');
      assert.equal(toHex(gd.groupMember as Uint8Array), '02');

      const p = await endpoint.request({ uri: uri + '/led', method: 'PUT', payload: 'on', layerData: { group: { context: client, mode: 'pairwise', to: deviceId } } });
      assert.equal(p.codeString, '2.04');
      assert.equal((p.message as LayeredMessage).layerData!.groupMode, 'pairwise');
      assert.ok(lines.includes('LED on'), lines.join('\n'));
    } finally {
      endpoint.close();
      udp.close();
    }
  });

  it('refuses a request with a tampered signature (4.00, nothing served) and its window is unchanged', async () => {
    const client = memberContext(keyed, 2, -8);
    const plain = { type: MessageType.CON, code: Code.GET, messageId: 0x4321, token: Uint8Array.of(7, 7), options: [{ number: Option.URI_PATH, value: utf8Encode('temperature') }], payload: new Uint8Array(0) };
    const { message, binding } = protectGroupRequest(client, plain, 'group');
    const good = encodeMessage(message);
    const bad = good.slice();
    bad[bad.length - 1] ^= 0x01; // the last byte of the encrypted signature (§4.1)
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const exchange = (d: Uint8Array) => new Promise<ReturnType<typeof decodeMessage>>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no answer')), 5000);
      sock.once('message', (m) => { clearTimeout(t); resolve(decodeMessage(new Uint8Array(m))); });
      sock.send(d, host.port, '127.0.0.1');
    });
    try {
      const before = (await host.status()).status.requests;
      assert.equal(typeof before, 'number');
      const refused = await exchange(bad);
      assert.equal(refused.code, Code.BAD_REQUEST);
      assert.equal(hasOption(refused, Option.OSCORE), false);
      assert.equal((await host.status()).status.requests, before, 'nothing served');
      // The same sequence number, untampered: accepted, so the refusal did not touch the window.
      const good2 = encodeMessage({ ...message, messageId: 0x4322 });
      const answer = await exchange(good2);
      assert.equal(answer.code, Code.CHANGED); // the outer code of a protected response (RFC 8613 §4.2)
      assert.ok(hasOption(answer, Option.OSCORE));
      const verified = unprotectGroupResponse(answer, binding);
      assert.match(utf8Decode(verified.message.payload), /^\d+\.\d$/);
      assert.equal(verified.mode, 'group');
    } finally {
      sock.close();
    }
  });
});
