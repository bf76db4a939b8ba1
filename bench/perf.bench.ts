/**
 * Performance targets of issue 10, each a ratio measured in this one run:
 * 1. XS: computrons of one complete protected exchange (two endpoints, RFC 7252 messaging +
 *    RFC 8613 §8 + codec) against the four bare AES-CCM operations on the same bytes, split by stage.
 * 2. Node: OSCORE-protected GET exchanges/s over loopback UDP (our client → our server, N in
 *    flight) against plain CoAP of node-coap client → node-coap server, same N.
 * 3. CCM: ours against node:crypto for 64-byte messages (Node); XS per-block cost against a bare block.
 * 4. XS slots allocated per exchange (xsnap-worker heap statistics).
 * 5. XS computrons from power-on to the first protected response with 8 contexts on flash.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import * as esbuild from 'esbuild';
import * as coap from 'coap';
import { opsPerSecond, runOnXs, fmt, type Section } from './harness.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { SecurityContext, contextLookup, MemoryContextStore } from '../src/oscore/index.js';
import { getAlgorithm } from '../src/crypto/algorithms.js';
import { XsnapWorker } from '../targets/xs-sim/xsnap-worker.js';
import { PARAMS, PAYLOAD } from './perf-workload.js';

const ROOT = process.cwd();
const CONCURRENCY = 16;
const DURATION_MS = 2500;
const ROUNDS = 4;

interface LoopResult {
  /** Completed exchanges per second (wall clock). */
  rate: number;
  /** Process CPU time (user + system) per exchange, µs: less sensitive to other load on the machine. */
  cpuUs: number;
}

/** Keep `n` requests in flight for `ms` (after a warm-up); completed requests per second. */
async function closedLoop(n: number, ms: number, one: () => Promise<void>): Promise<LoopResult> {
  const run = async (budget: number): Promise<LoopResult> => {
    let done = 0;
    const end = performance.now() + budget;
    const worker = async () => {
      while (performance.now() < end) {
        await one();
        done++;
      }
    };
    const start = performance.now();
    const cpu = process.cpuUsage();
    await Promise.all(Array.from({ length: n }, worker));
    const used = process.cpuUsage(cpu);
    return { rate: (done * 1000) / (performance.now() - start), cpuUs: (used.user + used.system) / done };
  };
  await run(500); // warm-up: JIT, socket buffers, the dedup cache at its steady size
  return run(ms);
}

function best(a: LoopResult | undefined, b: LoopResult): LoopResult {
  return a === undefined ? b : { rate: Math.max(a.rate, b.rate), cpuUs: Math.min(a.cpuUs, b.cpuUs) };
}

async function oursOscore(n: number, ms: number): Promise<LoopResult> {
  const store = () => new MemoryContextStore({ reserveStep: 1 << 30 });
  const sctx = new SecurityContext({ ...PARAMS, senderId: PARAMS.recipientId, recipientId: PARAMS.senderId }, { store: store() });
  const cctx = new SecurityContext(PARAMS, { store: store() });
  const { endpoint: server, udp } = await openNodeEndpoint({ host: '127.0.0.1', oscore: oscoreLayer({ lookup: contextLookup([sctx]) }) });
  server.resource('/bench', { GET: () => ({ payload: 'ok' }) }, { requireOscore: true });
  // NSTART (RFC 7252 §4.7) raised to N: node-coap's agent does not limit requests per peer either.
  const { endpoint: client } = await openNodeEndpoint({ host: '127.0.0.1', oscore: oscoreLayer({ contextFor: () => cctx }), params: { nstart: n } });
  const target = { host: '127.0.0.1', port: udp.localPort, path: 'bench' };
  try {
    return await closedLoop(n, ms, async () => {
      const r = await client.request(target);
      if (r.code !== 0x45) throw new Error('bad response ' + r.codeString);
    });
  } finally {
    client.close();
    server.close();
  }
}

async function nodeCoapPlain(n: number, ms: number): Promise<LoopResult> {
  const server = coap.createServer({ type: 'udp4' }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server as unknown as { _sock: { address(): { port: number } } })._sock.address().port;
  const agent = new coap.Agent({ type: 'udp4' });
  try {
    return await closedLoop(n, ms, () =>
      new Promise<void>((resolve, reject) => {
        const req = coap.request({ hostname: '127.0.0.1', port, pathname: '/bench', agent });
        req.on('response', (res: coap.IncomingMessage) => (res.code === '2.05' ? resolve() : reject(new Error(res.code))));
        req.on('error', reject);
        req.end();
      }),
    );
  } finally {
    agent.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Target 4: slots per exchange from xsnap-worker's live-slot count (see bench/xs/perf-alloc-entry.ts). */
async function xsSlotsPerExchange(): Promise<number> {
  const { XSNAP_WORKER } = (await import(join(ROOT, 'scripts/xsnap-paths.mjs'))) as { XSNAP_WORKER: string };
  const outfile = join(ROOT, '.build/bench-xs/perf-alloc-entry.js');
  await esbuild.build({ entryPoints: [join(ROOT, 'bench/xs/perf-alloc-entry.ts')], outfile, bundle: true, format: 'iife', platform: 'neutral', mainFields: ['module', 'main'], target: 'es2022', logLevel: 'error' });
  const w = new XsnapWorker(XSNAP_WORKER, () => new Uint8Array(0), { stdout: () => {} });
  try {
    await w.evaluate(readFileSync(outfile, 'utf8'));
    const k = 20;
    const before = await w.evaluate('gc()');
    const after = await w.evaluate('run(' + k + ')');
    return (after.meter.currentHeapCount - before.meter.currentHeapCount) / k;
  } finally {
    await w.close();
  }
}

function nodeCcm64(): { ours: number; node: number } {
  const alg = getAlgorithm(10);
  const keyBytes = PARAMS.masterSecret;
  const key = alg.prepare(keyBytes);
  const nonce = new Uint8Array(13).fill(2);
  const aad = new Uint8Array(9).fill(3);
  let ours = 0, node = 0;
  for (let round = 0; round < 3; round++) {
    ours = Math.max(ours, opsPerSecond(() => {
      if (key.open(nonce, aad, key.seal(nonce, aad, PAYLOAD)) === null) throw new Error('open failed');
    }, 300));
    node = Math.max(node, opsPerSecond(() => {
      const c = createCipheriv('aes-128-ccm', keyBytes, nonce, { authTagLength: 8 });
      c.setAAD(aad, { plaintextLength: 64 });
      const ct = c.update(PAYLOAD);
      c.final();
      const d = createDecipheriv('aes-128-ccm', keyBytes, nonce, { authTagLength: 8 });
      d.setAuthTag(c.getAuthTag());
      d.setAAD(aad, { plaintextLength: 64 });
      d.update(ct);
      d.final();
    }, 300));
  }
  return { ours, node };
}

type ExchangeResult = Record<'exchange' | 'codec' | 'oscore' | 'aadNonce' | 'bareCcm' | 'aesBlock' | 'aesBlocksExchange' | 'aesBlocksBare' | 'requestBytes' | 'responseBytes' | 'reqPlaintext' | 'respPlaintext' | 'aad', number>;
type BootResult = Record<'recover' | 'contexts' | 'endpoint' | 'first' | 'total' | 'hkdf' | 'n' | 'flashWritesAtBoot', number>;

export default async (): Promise<Section[]> => {
  const xs = (await runOnXs('bench/xs/perf-entry.ts')) as ExchangeResult;
  const boot = (await runOnXs('bench/xs/perf-boot-entry.ts')) as BootResult;
  const slots = await xsSlotsPerExchange();
  // Target 2: alternate the two, keep each one's best (both see the same machine state; the best
  // round is the one least disturbed by other load on the machine).
  let oursLoop: LoopResult | undefined, theirsLoop: LoopResult | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    // Swap who goes first each round, so neither always runs right after the other's garbage.
    if (round % 2 === 0) theirsLoop = best(theirsLoop, await nodeCoapPlain(CONCURRENCY, DURATION_MS));
    oursLoop = best(oursLoop, await oursOscore(CONCURRENCY, DURATION_MS));
    if (round % 2 === 1) theirsLoop = best(theirsLoop, await nodeCoapPlain(CONCURRENCY, DURATION_MS));
  }
  const ours = oursLoop!.rate, theirs = theirsLoop!.rate;
  const ccm = nodeCcm64();

  const aes = xs.aesBlocksExchange * xs.aesBlock;
  const ccmOnly = xs.bareCcm - xs.aesBlocksBare * xs.aesBlock;
  const framing = xs.oscore - xs.bareCcm - xs.aadNonce;
  const stack = xs.exchange - xs.oscore - xs.codec;
  const nonAes = xs.exchange - aes;
  const pct = (v: number) => fmt((100 * v) / xs.exchange, 1) + ' %';
  const ratio = xs.exchange / xs.bareCcm;
  const perBlock = xs.bareCcm / xs.aesBlocksBare;
  const hkdfShare = boot.hkdf / boot.total;

  return [
    {
      title: 'Targets of issue 10 (ratios from one run)',
      command: 'npm run bench -- perf',
      columns: ['target', 'measured', 'goal', 'met'],
      rows: [
        ['1. XS: protected exchange ÷ four bare CCM operations', fmt(ratio, 3) + '× (' + fmt(xs.exchange) + ' ÷ ' + fmt(xs.bareCcm) + ' computrons)', '≤ 1.3×', ratio <= 1.3 ? 'yes' : 'no'],
        ['2. Node: OSCORE GET/s (ours) ÷ plain GET/s (node-coap), ' + CONCURRENCY + ' in flight', fmt(ours / theirs, 2) + '× (' + fmt(ours) + ' ÷ ' + fmt(theirs) + ')', '≥ 1×', ours >= theirs ? 'yes' : 'no'],
        ['2b. Node: CPU time per exchange, node-coap plain ÷ ours with OSCORE', fmt(theirsLoop!.cpuUs / oursLoop!.cpuUs, 2) + '× (' + fmt(theirsLoop!.cpuUs, 1) + ' µs ÷ ' + fmt(oursLoop!.cpuUs, 1) + ' µs)', '≥ 1×', theirsLoop!.cpuUs >= oursLoop!.cpuUs ? 'yes' : 'no'],
        ['3a. Node: node:crypto ÷ ours, AES-CCM-16-64-128 seal+open 64 B', fmt(ccm.node / ccm.ours, 2) + '× (' + fmt(ccm.ours) + ' vs ' + fmt(ccm.node) + ' ops/s)', '≤ 3×', ccm.node / ccm.ours <= 3 ? 'yes' : 'no'],
        ['3b. XS: CCM per AES block ÷ bare AES block', fmt(perBlock / xs.aesBlock, 3) + '× (' + fmt(perBlock) + ' ÷ ' + fmt(xs.aesBlock) + ')', 'AES core floor', '—'],
        ['4. XS: slots allocated per exchange (client + server)', fmt(slots, 0), 'down', '—'],
        ['5. XS: power-on → first protected response, ' + boot.n + ' contexts on flash', fmt(boot.total) + ' computrons', 'measured', '—'],
        ['6. XS: non-AES computrons per exchange, client + server (issue 17.2; split below)', fmt(nonAes) + ' (' + fmt(xs.exchange) + ' − ' + fmt(aes) + ' AES)', '≤ 40,000', nonAes <= 40000 ? 'yes' : 'no'],
      ],
      notes: 'Exchange: GET /sensors/temperature with a 64-byte payload → 2.05 with a 64-byte payload, AES-CCM-16-64-128, CON with piggybacked response, through two whole endpoints (messaging, OSCORE layer, Block-wise and Observe layers, router) over an in-memory loopback; datagrams ' + xs.requestBytes + ' and ' + xs.responseBytes + ' bytes. Bare CCM = seal + open of the request plaintext (' + xs.reqPlaintext + ' B) and of the response plaintext (' + xs.respPlaintext + ' B) with the same key, nonce and ' + xs.aad + '-byte AAD. Node: best of ' + ROUNDS + ' alternating ' + DURATION_MS / 1000 + ' s closed-loop rounds, client and server in one process; our client runs with NSTART = ' + CONCURRENCY + '. Row 2b is the same runs\' process CPU time (user + system, client and server together) per exchange, lowest of the rounds: on a shared machine it moves less with other load than exchanges/s do.',
    },
    {
      title: 'XS: one protected exchange split by stage (computrons)',
      command: 'npm run bench -- perf',
      columns: ['stage', 'computrons', 'share'],
      rows: [
        ['AES block cipher (' + xs.aesBlocksExchange + ' blocks × ' + fmt(xs.aesBlock) + ', @noble/ciphers via the port)', fmt(aes), pct(aes)],
        ['CCM without AES (B0, AAD, CTR/CBC-MAC word XORs, tag) × 4', fmt(ccmOnly), pct(ccmOnly)],
        ['AAD (Enc_structure) + nonce (2 of each)', fmt(xs.aadNonce), pct(xs.aadNonce)],
        ['OSCORE framing (option split, plaintext, OSCORE option, lookup, replay window, parse, merge)', fmt(framing), pct(framing)],
        ['codec (encode + decode of both datagrams)', fmt(xs.codec), pct(xs.codec)],
        ['CoAP messaging, endpoint and layers (tokens, dedup, timers, Block-wise/Observe pass-through, router)', fmt(stack), pct(stack)],
        ['everything but the AES block (what remains with a native AES)', fmt(nonAes), pct(nonAes)],
        ['whole exchange', fmt(xs.exchange), '100 %'],
      ],
      notes: 'Each stage metered on its own on the same messages (bench/perf-workload.ts): AES = blocks counted through a wrapping factory × one metered block; CCM = the four bare CCM operations − their AES; framing = the four OSCORE calls − bare CCM − AAD/nonce; messaging = whole exchange − OSCORE calls − codec. The cipher is the floor: the AES block (@noble/ciphers, audited; key schedule expanded once per key) is most of the exchange, and CCM adds a little per block for its CTR/CBC-MAC pass (one pass for both; each 16-byte block copied natively into a scratch block and XORed as four 32-bit words: 27,050 computrons for the four operations when it was a loop over bytes, issue 17.2). On Moddable the two passes run in native code instead (`crypt`\'s Mode, see the mcsim table). On the ESP32 the AES block is native, so the same exchange costs much less there and the stack\'s share grows.',
    },
    {
      title: 'XS: power-on to the first protected response, ' + boot.n + ' contexts on NOR flash (computrons)',
      command: 'npm run bench -- perf',
      columns: ['boot step', 'computrons', 'share'],
      rows: [
        ['RecordLog.open: scan the 2 × 4 KiB partition', fmt(boot.recover), fmt((100 * boot.recover) / boot.total, 1) + ' %'],
        [boot.n + ' × (FlashContextStore.open + SecurityContext: HKDF, key schedules, load)', fmt(boot.contexts), fmt((100 * boot.contexts) / boot.total, 1) + ' %'],
        ['  of which HKDF-SHA256 (3 per context, @noble/hashes)', fmt(boot.hkdf), fmt(100 * hkdfShare, 1) + ' %'],
        ['Endpoint + OSCORE layer + resource', fmt(boot.endpoint), fmt((100 * boot.endpoint) / boot.total, 1) + ' %'],
        ['first protected request → response (server side)', fmt(boot.first), fmt((100 * boot.first) / boot.total, 1) + ' %'],
        ['total', fmt(boot.total), '100 %'],
      ],
      notes: 'Flash writes during boot: ' + boot.flashWritesAtBoot + ' (each context\'s load() makes its reservation durable before use, App. B.1.1). The floor here is key derivation: 3 HKDF calls per context, each 8 SHA-256 compressions (HMAC extract + expand), so ' + 24 * boot.n + ' compressions for ' + boot.n + ' contexts. The simulator runs SHA-256 and AES in JavaScript; on the ESP32 both are native (`crypt`), so this step costs far less there. A third of it (the extract, identical for the three keys of one context) could be shared if the HKDF module offered extract and expand separately — the device\'s replacement module (targets/moddable/crypto-hkdf.ts) would have to offer the same.',
    },
  ];
};
