/**
 * Issue 17 part 1: server throughput over loopback UDP, each server in its own process, driven by
 * bench/loadgen.ts (N requests pre-built, W in flight, raw token matching, every answer verified
 * after the clock). One round runs the same stream size against:
 *   - a bare Node dgram echo server: Node's UDP ceiling, and the generator's own;
 *   - libcoap's `coap-server` (Debian libcoap3-bin), GET of /example_data holding the same body;
 *   - a plain oscore-xs `Endpoint` with the body in memory, under OSCORE;
 *   - `oscore-xs fileserver` serving the body from a file, under OSCORE (aiocoap context directory).
 * Ratios are taken within one round (the machine is shared, so rounds differ), each round
 * interleaving the servers in slices; the spread over the rounds is reported. BENCH_N / BENCH_ROUNDS shrink it while developing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import * as esbuild from 'esbuild';
import { fmt, type Section } from './harness.js';
import { clientContext, echoed, plainGets, protectedGets, runLoad, type LoadResult, type RequestStream } from './loadgen.js';
import { BODY, CLIENT_PARAMS, SERVER_PARAMS } from './server-workload.js';
import { findBinary } from '../test/coap-interop-support.js';
import { encodeMessage, decodeMessage } from '../src/coap/codec.js';
import { createMessage } from '../src/coap/message.js';
import { Code } from '../src/coap/numbers.js';
import { Option } from '../src/coap/option-registry.js';
import { toHex, utf8Encode } from '../src/bytes.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';

const ROOT = process.cwd();
const N = Number(process.env.BENCH_N ?? 20000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WINDOW = 16;
const SLICES = 5;
const LIBCOAP_CONTEXT = join(ROOT, 'test/fixtures/interop/libcoap-contexts/b_server.conf');
/** The client side of b_server.conf (a_client.conf). */
const LIBCOAP_CLIENT = { ...CLIENT_PARAMS, senderId: new Uint8Array(0), recipientId: Uint8Array.of(1) };

/**
 * libcoap's coap-server with OSCORE (`-E`), if there is one: $LIBCOAP_SERVER first (e.g. a build of
 * libcoap ≥ 4.3.2 with OSCORE), then Debian's. Debian 12 ships 4.3.1 without OSCORE: then it is
 * measured unprotected.
 */
function findLibcoap(): { path: string; oscore: boolean } | undefined {
  const candidates = [process.env.LIBCOAP_SERVER, findBinary(['coap-server-notls', 'coap-server', 'coap-server-openssl', 'coap-server-gnutls'])].filter((x): x is string => !!x);
  for (const path of candidates) {
    const help = spawnSync(path, ['-h'], { encoding: 'utf8', timeout: 5000 });
    if (/-E oscore_conf_file/.test((help.stdout ?? '') + (help.stderr ?? ''))) return { path, oscore: true };
  }
  return candidates.length ? { path: candidates[candidates.length - 1], oscore: false } : undefined;
}
const LIBCOAP = findLibcoap();

interface Running {
  name: string;
  port: number;
  child: ChildProcess;
  stream(n: number): RequestStream;
}

/** The process's CPU time (user + system) so far, in ms (from /proc: clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const f = readFileSync('/proc/' + pid + '/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10;
}

function waitFor(child: ChildProcess, pattern: RegExp, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const on = (d: Buffer) => {
      text += d;
      const m = pattern.exec(text);
      if (m) resolve(Number(m[1]));
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => reject(new Error(what + ' exited (' + code + '): ' + text)));
    setTimeout(() => reject(new Error(what + ' did not start: ' + text)), 30000);
  });
}

async function bundleServer(name: string): Promise<string> {
  const out = join(ROOT, '.build/bench/servers', name + '.mjs');
  await esbuild.build({ entryPoints: [join(ROOT, 'bench/servers', name + '.ts')], outfile: out, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'error' });
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** Store BODY at libcoap's /example_data with one plain PUT. */
async function putExampleData(port: number): Promise<void> {
  const sock = createSocket('udp4');
  const put = createMessage({ code: Code.PUT, messageId: 1, token: utf8Encode('put1'), options: [{ number: Option.URI_PATH, value: utf8Encode('example_data') }], payload: BODY });
  try {
    const answer = await new Promise<Buffer>((resolve, reject) => {
      sock.once('message', resolve);
      setTimeout(() => reject(new Error('libcoap: no answer to PUT')), 3000);
      sock.send(encodeMessage(put), port, '127.0.0.1');
    });
    const code = decodeMessage(answer).code;
    if (code !== Code.CHANGED && code !== Code.CREATED) throw new Error('libcoap PUT: code ' + code);
  } finally {
    sock.close();
  }
}

async function startServers(tmp: string): Promise<Running[]> {
  const servers: Running[] = [];
  const spawnNode = (file: string, args: string[] = []) => spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

  const echo = spawnNode(await bundleServer('echo-server'));
  const echoCtx = clientContext(CLIENT_PARAMS);
  servers.push({ name: 'echo', child: echo, port: await waitFor(echo, /port (\d+)/, 'echo server'), stream: (n) => echoed(protectedGets(echoCtx, n, ['bench'], BODY)) });

  if (LIBCOAP) {
    const port = await freePort();
    const lc = spawn(LIBCOAP.path, ['-A', '127.0.0.1', '-p', String(port), '-v', '0', ...(LIBCOAP.oscore ? ['-E', LIBCOAP_CONTEXT] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise((r) => setTimeout(r, 300));
    await putExampleData(port);
    const lcCtx = clientContext(LIBCOAP_CLIENT);
    if (LIBCOAP.oscore) {
      // libcoap starts with an unknown replay window and challenges the first request with Echo
      // (RFC 8613 App. B.1.2): one exchange through our client, which answers the challenge.
      const { endpoint, udp } = await openNodeEndpoint({ host: '127.0.0.1', oscore: oscoreLayer({ contextFor: () => lcCtx }) });
      const r = await endpoint.request({ uri: 'coap://127.0.0.1:' + port + '/example_data' });
      endpoint.close();
      udp.close();
      if (r.codeString !== '2.05') throw new Error('libcoap OSCORE: ' + r.codeString);
    }
    servers.push({ name: 'libcoap', child: lc, port, stream: (n) => (LIBCOAP.oscore ? protectedGets(lcCtx, n, ['example_data'], BODY) : plainGets(n, ['example_data'], BODY)) });
  }

  const ep = spawnNode(await bundleServer('endpoint-server'));
  const epCtx = clientContext(CLIENT_PARAMS);
  servers.push({ name: 'endpoint', child: ep, port: await waitFor(ep, /port (\d+)/, 'endpoint server'), stream: (n) => protectedGets(epCtx, n, ['bench'], BODY) });

  // The file server: BODY as files/bench, the server's context as an aiocoap context directory.
  mkdirSync(join(tmp, 'files'));
  writeFileSync(join(tmp, 'files/bench'), BODY);
  mkdirSync(join(tmp, 'server'));
  writeFileSync(
    join(tmp, 'server/settings.json'),
    JSON.stringify({ 'sender-id_hex': toHex(SERVER_PARAMS.senderId), 'recipient-id_hex': toHex(SERVER_PARAMS.recipientId), secret_hex: toHex(SERVER_PARAMS.masterSecret), salt_hex: toHex(SERVER_PARAMS.masterSalt!) }),
  );
  writeFileSync(join(tmp, 'server.json'), JSON.stringify({ ':bench': { oscore: { basedir: 'server/' } } }));
  const fs = spawnNode(join(ROOT, 'bin/oscore-xs.mjs'), ['fileserver', join(tmp, 'files'), '--bind', '127.0.0.1:0', '--credentials', join(tmp, 'server.json'), '--require-oscore']);
  const fsCtx = clientContext(CLIENT_PARAMS);
  servers.push({ name: 'fileserver', child: fs, port: await waitFor(fs, /on 127\.0\.0\.1:(\d+)/, 'fileserver'), stream: (n) => protectedGets(fsCtx, n, ['bench'], BODY) });
  return servers;
}

interface Measured extends LoadResult {
  cpuUsPerRequest: number;
}

function sum(a: Measured, b: Measured): Measured {
  const n = a.n + b.n;
  const ms = a.ms + b.ms;
  return { n, ms, perSecond: (n * 1000) / ms, resent: a.resent + b.resent, cpuUsPerRequest: (a.cpuUsPerRequest * a.n + b.cpuUsPerRequest * b.n) / n };
}

async function measure(s: Running, n: number): Promise<Measured> {
  const stream = s.stream(n);
  const cpu0 = cpuMs(s.child.pid!);
  const r = await runLoad(s.port, stream, WINDOW);
  return { ...r, cpuUsPerRequest: ((cpuMs(s.child.pid!) - cpu0) * 1000) / n };
}

/** From `node --cpu-prof` of each server under this load (60,000 GETs), self time per request. */
const WHERE_THE_TIME_GOES = [
  '**Where the time goes** (`node --cpu-prof` of the server process under this load, self time per request; the machine was shared, so read the shares, not the µs):',
  '',
  '- *Before* (fileserver at commit 65d5370): every GET did `realpath` (one `lstat` per path component: ≈ 12 µs), `open`/`fstat`/`read`/`close` (≈ 11 µs), `stat` twice and a SHA-256 for the ETag — file-system calls were more than the whole OSCORE stack; ' +
    'server CPU 120 µs/req against 57 µs for the Endpoint with the body in memory (same run, 4,000 requests).',
  '- *After*: small files come from a cache keyed by the identity the ETag is made of (dev, inode, size, mtime, ctime; targets/node/cli/file-cache.ts): one `stat` per request (2–6 µs). ' +
    'The fileserver now costs within 1.1–1.3× of the Endpoint (CPU column). What is left per request, both servers: the UDP receive and send in the kernel (the largest share: the bare echo server alone costs 17–21 µs/req), ' +
    'AES blocks for CCM (noble, ≈ 20 blocks per exchange: ≈ 6 µs), garbage collection (≈ 5 µs), then codec, dedup cache, OSCORE steps and layers at ≤ 1 µs each.',
  '- libcoap 4.3.5 with OSCORE spends about the same CPU per request as we do (CPU column) and answers each OSCORE request as a separate response (an empty ACK, then a CON the client must acknowledge). ' +
    'Twice its rate would need about half its CPU per request, i.e. less than the bare Node echo server spends on the same datagrams: not reachable by trimming JavaScript on Node (what remains above the echo is ≈ 15–20 µs/req: CCM, GC, codec, stack).',
  '- libcoap with OSCORE: Debian 12 ships libcoap 4.3.1 without OSCORE (no `-E`); these figures use libcoap 4.3.5 built from its source (`cmake -DENABLE_OSCORE=ON -DENABLE_DTLS=ON -DDTLS_BACKEND=openssl -DENABLE_DOCS=OFF && make coap-server`), passed as `LIBCOAP_SERVER=…/coap-server npm run bench -- server`. Without it the bench falls back to Debian\'s unprotected server and says so.',
].join('\n');

function libcoapVersion(): string {
  const help = spawnSync(LIBCOAP!.path, ['-h'], { encoding: 'utf8', timeout: 5000 });
  return /v(\d+\.\d+\.\d+\S*)/.exec((help.stdout ?? '') + (help.stderr ?? ''))?.[1] ?? '';
}

const spread = (xs: number[], digits = 2) => (xs.length ? fmt(Math.min(...xs), digits) + '–' + fmt(Math.max(...xs), digits) : '—');

export default async function (): Promise<Section[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-server-bench-'));
  const servers = await startServers(tmp);
  const rows: (string | number)[][] = [];
  const ratios = { fsLib: [] as number[], fsEcho: [] as number[], epLib: [] as number[], epEcho: [] as number[] };
  let resent = 0;
  try {
    for (const s of servers) await measure(s, Math.max(1000, N >> 2)); // warm-up: JIT, socket buffers, dedup cache
    for (let round = 1; round <= ROUNDS; round++) {
      // Interleaved in slices (A B C D A B C D …) so a burst of load from elsewhere on the shared
      // machine hits every server alike; each server's figure is the sum over its slices.
      const m: Record<string, Measured> = {};
      for (let slice = 0; slice < SLICES; slice++) {
        for (const s of servers) {
          const r = await measure(s, N / SLICES);
          const acc = m[s.name];
          m[s.name] = acc ? sum(acc, r) : r;
          resent += r.resent;
        }
      }
      const lib = m.libcoap?.perSecond;
      const echo = m.echo.perSecond;
      const ratio = (a: number, b: number | undefined) => (b ? a / b : NaN);
      ratios.fsLib.push(ratio(m.fileserver.perSecond, lib));
      ratios.fsEcho.push(ratio(m.fileserver.perSecond, echo));
      ratios.epLib.push(ratio(m.endpoint.perSecond, lib));
      ratios.epEcho.push(ratio(m.endpoint.perSecond, echo));
      rows.push([
        round,
        fmt(echo, 0),
        lib ? fmt(lib, 0) : '—',
        fmt(m.endpoint.perSecond, 0),
        fmt(m.fileserver.perSecond, 0),
        fmt(ratios.fsLib[round - 1], 2) + ' / ' + fmt(ratios.epLib[round - 1], 2),
        fmt(ratios.fsEcho[round - 1], 2) + ' / ' + fmt(ratios.epEcho[round - 1], 2),
        [m.echo.cpuUsPerRequest, m.libcoap?.cpuUsPerRequest, m.endpoint.cpuUsPerRequest, m.fileserver.cpuUsPerRequest].map((x) => (x === undefined ? '—' : fmt(x, 1))).join(' / '),
      ]);
    }
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    rmSync(tmp, { recursive: true, force: true });
  }
  rows.push(['spread', '', '', '', '', spread(ratios.fsLib) + ' / ' + spread(ratios.epLib), spread(ratios.fsEcho) + ' / ' + spread(ratios.epEcho), '']);
  return [
    {
      title: 'Server throughput, ' + N + ' GETs of a 64-byte body, ' + WINDOW + ' in flight, loopback (issue 17 part 1)',
      command: 'npm run bench -- server',
      columns: ['round', 'echo req/s (generator ceiling)', 'libcoap req/s', 'Endpoint req/s', 'fileserver req/s', 'ours ÷ libcoap (fileserver / Endpoint; goal ≥ 2.0)', 'ours ÷ echo (fileserver / Endpoint; goal ≥ 0.5)', 'server CPU µs/req (echo / libcoap / Endpoint / fileserver)'],
      rows,
      notes:
        'Each round interleaves the servers in ' + SLICES + ' slices of ' + N / SLICES + ' requests (so load from elsewhere on the shared machine hits all alike). Each server is its own process; the generator (bench/loadgen.ts) pre-builds the requests, keeps ' + WINDOW + ' in flight, matches answers by token on raw bytes and verifies every answer after the clock (OSCORE-verified, code and body). ' +
        'The echo server gets the same OSCORE datagrams and returns them: its rate is both Node\'s UDP ceiling and the generator\'s. ' +
        (LIBCOAP?.oscore
          ? 'libcoap: `' + LIBCOAP.path.split('/').pop() + '` ' + libcoapVersion() + ' with `-E` (test/fixtures/interop/libcoap-contexts/b_server.conf), the body PUT to /example_data, the same protected GETs (its own client context). '
          : 'libcoap: Debian 12\'s `coap-server` 4.3.1 is built without OSCORE (no `-E`): it answers the same GETs unprotected, which favours libcoap. Set LIBCOAP_SERVER to a coap-server with OSCORE (libcoap ≥ 4.3.2; see the notes in BENCHMARKS.md). ') +
        'Datagrams re-sent after 200 ms without progress: ' + resent + '.\n\n' +
        WHERE_THE_TIME_GOES,
    },
  ];
}
