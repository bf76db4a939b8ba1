/**
 * `npm start`: the example device app as a simulated ESP32 on 127.0.0.1:5683.
 *
 * First start: provision a context pair with the CLI's `context new --device-image`, the path a
 * real device takes: the client side stays in `<state>/client/context/` (aiocoap format) with
 * `<state>/client/credentials.json`; the device side is written only into the simulated flash
 * `<state>/flash.bin`, which is the device image itself (64 KiB, the `oscore` partition); then the
 * device's EDHOC key pair and trusted client credential are added to it. Then run the device:
 * `engine: 'xs'` (default) evaluates the device bundle (dist/device/sim-device.js) in xsnap-worker
 * behind SimulatedDeviceHost; `engine: 'node'` runs the same app on Node ports. Ctrl-C is a clean
 * shutdown (sequence number and replay window written); a SIGKILL is a power cut, and the next start
 * recovers with Echo (RFC 8613 App. B.1.2).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { contextNew } from '../node/cli/context-new.js';
import { RecordLog } from '../../src/persist/record-log.js';
import { storedContextNames } from '../../src/device-image/oscore-contexts.js';
import { startDeviceApp, type DeviceApp } from '../../examples/device/app.js';
import { EDHOC_OWN_KEY, edhocSecurity, provisionEdhoc } from '../../examples/device/edhoc.js';
import { nobleAsymmetricCrypto } from '../../src/crypto/asymmetric-noble.js';
import { encodeCcs } from '../../src/cose/ccs.js';
import { decodeCborItem, type CborItem } from '../../src/cbor/decode.js';
import { publicCoseKey } from '../../src/credentials/edhoc-credentials.js';
import { writePrivateKeyFile } from '../node/edhoc-keys.js';
import { jsonOfItem } from '../node/cli/keygen.js';
import { UdpPort } from '../node/udp.js';
import { nodeClock, nodeRandom } from '../node/ports.js';
import { openFlashFile, type FileBackedFlash } from './sim-flash.js';
import { SimulatedDeviceHost } from './device-host.js';

export interface SimulatorOptions {
  engine: 'xs' | 'node';
  /** State directory (default .sim): flash.bin, client/. */
  stateDir: string;
  address: string;
  port: number;
  /** xsnap-worker binary and the device bundle's text (engine xs). */
  workerBinary?: string;
  bundle?: string;
  /** Output (default stdout). */
  out?: (text: string) => void;
  /** How often the simulated sensor is read (default: the app's 2000 ms). */
  sensorIntervalMs?: number;
}

export interface RunningSimulator {
  readonly address: string;
  readonly port: number;
  readonly credentials: string;
  /** The client's EDHOC credentials file (aiocoap's edhoc-oscore entries). */
  readonly edhocCredentials: string;
  /** Clean shutdown (what Ctrl-C does). */
  shutdown(): Promise<void>;
}

/** Provision on first start (before the flash file is opened); returns true when it did. */
async function provisionIfNeeded(stateDir: string, flashPath: string, address: string, port: number, out: (t: string) => void): Promise<boolean> {
  const exists = existsSync(flashPath);
  if (exists) {
    const flash = openFlashFile(flashPath);
    const names = storedContextNames(RecordLog.open(flash.flash));
    flash.close();
    if (names.length > 0) {
      if (!existsSync(join(stateDir, 'client', 'credentials.json'))) out('warning: the device has a context but ' + join(stateDir, 'client') + ' is gone; delete ' + stateDir + ' to provision a new pair\n');
      return false;
    }
  }
  const clientDir = join(stateDir, 'client');
  const contextDir = join(clientDir, 'context');
  if (existsSync(contextDir)) throw new Error(contextDir + ' exists but the simulated flash holds no context: delete ' + stateDir + ' to start over');
  const quiet = { out: () => {}, err: () => {}, signal: new AbortController().signal };
  // The client's Sender ID 01 is the device's Recipient ID; the device sends as 02 (hex). The
  // simulated flash is the device image: the device side is written there and nowhere else.
  const rc = await contextNew(['--sender-id', '01', '--recipient-id', '02', '--device-image', flashPath, ...(exists ? ['--add'] : []), contextDir], quiet);
  if (rc !== 0) throw new Error('context new failed');
  const entry = { oscore: { contextfile: 'context/' } };
  const credentials: Record<string, unknown> = {};
  for (const p of patterns(address, port)) credentials[p] = entry;
  writeFileSync(join(clientDir, 'credentials.json'), JSON.stringify(credentials, null, 2) + '\n');
  out('provisioned a new OSCORE context pair: device side in ' + join(stateDir, 'flash.bin') + ', client side in ' + clientDir + '/\n');
  return true;
}

/** The URI patterns the client files name: the address and localhost, with the port (and without, on 5683). */
function patterns(address: string, port: number): string[] {
  const out: string[] = [];
  const hosts = [address, 'localhost'].map((h) => (h.includes(':') ? '[' + h + ']' : h));
  for (const h of hosts) out.push('coap://' + h + ':' + port + '/*');
  if (port === 5683) for (const h of hosts) out.push('coap://' + h + '/*');
  return out;
}

/**
 * EDHOC on first start (or on a state from before EDHOC): a P-256 key pair for the device and one
 * for the client; the device's private key and the client's credential go into the flash (nowhere
 * else), the client's private key into `<state>/client/edhoc-client.cosekey` (mode 0600) and its
 * credentials file `<state>/client/edhoc.json` (aiocoap's edhoc-oscore entry).
 */
function provisionEdhocIfNeeded(stateDir: string, flash: FileBackedFlash, address: string, port: number, out: (t: string) => void): void {
  const records = RecordLog.open(flash.flash);
  const clientDir = join(stateDir, 'client');
  if (records.has(EDHOC_OWN_KEY)) {
    if (!existsSync(join(clientDir, 'edhoc.json'))) out('warning: the device has an EDHOC key but ' + join(clientDir, 'edhoc.json') + ' is gone; delete ' + stateDir + ' to provision anew\n');
    return;
  }
  mkdirSync(clientDir, { recursive: true });
  const crypto = nobleAsymmetricCrypto;
  const keyFile = join(clientDir, 'edhoc-client.cosekey');
  rmSync(keyFile, { force: true });
  const party = (kid: number, subject: string) => {
    const d = crypto.keyAgreement('P-256').generateKeyPair(nodeRandom).privateKey;
    return { d, ccs: encodeCcs({ ...publicCoseKey(crypto, 2, 1, d), kid: Uint8Array.of(kid) }, subject) };
  };
  const device = party(0x0d, 'oscore-xs simulated device');
  const client = party(0x01, 'oscore-xs client');
  provisionEdhoc(records, { method: 3, suite: 2, ccs: device.ccs, privateKey: device.d, peers: [client.ccs] });
  device.d.fill(0); // in the flash only
  writePrivateKeyFile(keyFile, { kty: 2, crv: 1, d: client.d });
  const kccs = (ccs: Uint8Array) => jsonOfItem(new Map<number, CborItem>([[14, decodeCborItem(ccs)]]));
  const entry = { 'edhoc-oscore': { suite: 2, method: 3, own_cred_style: 'by-key-id', own_cred: kccs(client.ccs), private_key_file: 'edhoc-client.cosekey', peer_cred: kccs(device.ccs) } };
  const credentials: Record<string, unknown> = {};
  for (const p of patterns(address, port)) credentials[p] = entry;
  writeFileSync(join(clientDir, 'edhoc.json'), JSON.stringify(credentials, null, 2) + '\n');
  out('provisioned EDHOC: the device key pair and the client\'s credential in ' + join(stateDir, 'flash.bin') + ', the client key in ' + clientDir + '/edhoc-client.cosekey\n');
}

export async function runSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const out = options.out ?? ((t: string) => process.stdout.write(t));
  const stateDir = resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  await provisionIfNeeded(stateDir, join(stateDir, 'flash.bin'), options.address, options.port, out);
  const flash = openFlashFile(join(stateDir, 'flash.bin'));
  provisionEdhocIfNeeded(stateDir, flash, options.address, options.port, out);
  const log = (line: string) => out('[device] ' + line + '\n');

  let stop: () => Promise<void>;
  let port: number;
  if (options.engine === 'xs') {
    if (!options.workerBinary || !options.bundle) throw new Error('engine xs needs the xsnap-worker binary and the device bundle');
    const host = await SimulatedDeviceHost.start({ workerBinary: options.workerBinary, bundle: options.bundle, flash: flash.flash, address: options.address, port: options.port, log, config: { sensorIntervalMs: options.sensorIntervalMs } });
    port = host.port;
    stop = async () => {
      const answer = await host.shutdown();
      if (answer !== 'done') out('device shutdown: ' + answer + '\n');
    };
  } else {
    const udp = await UdpPort.open({ host: options.address, port: options.port });
    port = udp.localPort;
    const app: DeviceApp = startDeviceApp({ datagram: udp, clock: nodeClock, random: nodeRandom, flash: flash.flash }, { log, sensorIntervalMs: options.sensorIntervalMs, security: edhocSecurity({ crypto: nobleAsymmetricCrypto, random: nodeRandom, clock: nodeClock, log }) });
    stop = async () => {
      app.shutdown();
    };
  }
  const credentials = join(stateDir, 'client', 'credentials.json');
  let stopped = false;
  return {
    address: options.address,
    port,
    credentials,
    edhocCredentials: join(stateDir, 'client', 'edhoc.json'),
    async shutdown() {
      if (stopped) return;
      stopped = true;
      await stop();
      flash.close();
    },
  };
}

/** What `npm start` prints once the device is up. */
export function usage(sim: RunningSimulator, engine: string, stateDir: string): string {
  const host = sim.address.includes(':') ? '[' + sim.address + ']' : sim.address;
  const base = 'coap://' + host + (sim.port === 5683 ? '' : ':' + sim.port);
  const rel = (p: string) => (p.startsWith(process.cwd() + '/') ? p.slice(process.cwd().length + 1) : p);
  const cred = rel(sim.credentials);
  const edhoc = rel(sim.edhocCredentials);
  return [
    '',
    'Simulated ESP32 (' + (engine === 'xs' ? 'device bundle on the XS engine' : 'Node engine') + ') serving OSCORE-protected CoAP on ' + host + ':' + sim.port,
    '  state: ' + rel(resolve(stateDir)) + '/flash.bin (device flash: context, EDHOC key pair, trusted client), ' + rel(resolve(stateDir)) + '/client/ (client context and EDHOC key)',
    '',
    'Query it:',
    '  npx oscore-xs client ' + base + '/temperature --credentials ' + cred,
    '  npx oscore-xs client ' + base + '/temperature --credentials ' + edhoc + '    (EDHOC first: no pre-shared secret)',
    '  npx oscore-xs client ' + base + '/temperature --observe --credentials ' + cred,
    '  npx oscore-xs client ' + base + '/led -m PUT --payload on --credentials ' + cred,
    '  aiocoap-client ' + base + '/temperature --credentials ' + cred,
    '',
    'Ctrl-C stops the device cleanly (replay window and sequence number are written to flash);',
    'kill -9 is a power cut: the next start recovers with Echo (RFC 8613 App. B.1.2).',
    '',
  ].join('\n');
}
