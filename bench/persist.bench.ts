/**
 * Persistence benchmarks (RFC 8613 App. B.1 on NOR flash): flash writes and sector erases per 10^6
 * messages for each reservation rule against writing every sequence number; a flash lifetime
 * estimate for 2- and 8-sector partitions at 100,000 erase cycles; XS computrons of a reservation
 * and of boot recovery; and the full power-cut exploration (every byte of every write and erase,
 * cuts during recovery) that `npm test` runs in a shorter form.
 */
import { runOnXs, fmt, type Section } from './harness.js';
import { NorFlash } from '../src/sim/nor-flash.js';
import { RecordLog, recordSize } from '../src/persist/record-log.js';
import { FlashContextStore, doublingChunks, rateBoundedChunks, type ChunkRule } from '../src/persist/flash-context-store.js';
import { utf8Encode } from '../src/bytes.js';
import { runWorkload } from '../test/persist-workload.js';

const CYCLES = 100000;
const YEAR_S = 365.25 * 24 * 3600;

interface Wear {
  messages: number;
  writes: number;
  bytes: number;
  erases: number;
  perSector: number[];
  seconds: number;
  recordBytes: number;
}

/**
 * Send `messages` at `rate` msg/s through one context (3 idle ones share the partition), after a
 * warm-up that has erased every sector once (steady state). The sender uses every number of a
 * chunk before the next reservation, so the run jumps from reservation to reservation.
 */
function simulate(sectors: number, messages: number, rate: number, rule: (now: () => number) => ChunkRule, restartEvery = Infinity): Wear {
  let now = 0;
  const flash = new NorFlash({ sectors, blockSize: 4096 });
  let log = RecordLog.open(flash);
  const key = utf8Encode('oscore-ctx-0');
  FlashContextStore.create(log, key);
  for (let i = 1; i < 4; i++) FlashContextStore.create(log, utf8Encode('oscore-ctx-' + i));
  let store = FlashContextStore.open(log, key, { chunks: rule(() => now) });
  store.load();
  let used = store.reservedLimit;
  let sent = 0;
  let warm = false;
  let base = { sent: 0, writes: 0, bytes: 0, erases: 0, perSector: flash.erasesPerSector.slice() };
  let nextRestart = restartEvery;
  while (!warm || sent - base.sent < messages) {
    if (!warm && flash.erasesPerSector.every((e) => e > 0)) {
      warm = true;
      base = { sent, writes: flash.writes, bytes: flash.bytesProgrammed, erases: flash.erases, perSector: flash.erasesPerSector.slice() };
    }
    if (used >= nextRestart) {
      store.close(used, 'unknown');
      log = RecordLog.open(flash);
      store = FlashContextStore.open(log, key, { chunks: rule(() => now) });
      used = store.load().nextSeq;
      sent = used;
      nextRestart = used + restartEvery;
      continue;
    }
    const before = used;
    now = (used * 1000) / rate;
    used = Math.min(store.reserve(used + 1), nextRestart);
    sent += used - before;
  }
  const n = sent - base.sent;
  return {
    messages: n,
    writes: (flash.writes - base.writes) / 2,
    bytes: flash.bytesProgrammed - base.bytes,
    erases: flash.erases - base.erases,
    perSector: flash.erasesPerSector.map((e, i) => e - base.perSector[i]),
    seconds: n / rate,
    recordBytes: recordSize(key.length, 6),
  };
}

const per1e6 = (w: Wear, x: number) => (x * 1e6) / w.messages;

export default async (): Promise<Section[]> => {
  const sections: Section[] = [];
  const M = 1e9;
  const rows: (string | number)[][] = [];
  const add = (name: string, rate: number, rule: (now: () => number) => ChunkRule, messages: number, restart = Infinity) => {
    const s2 = simulate(2, messages, rate, rule, restart);
    const s8 = simulate(8, messages, rate, rule, restart);
    rows.push([name, fmt(per1e6(s2, s2.writes), 1), fmt(per1e6(s2, s2.bytes)), fmt(per1e6(s2, s2.erases), 3), fmt(per1e6(s8, s8.erases), 3), s8.perSector.join(' '), fmt(s2.messages)]);
    return { s2, s8 };
  };
  const every = add('every sequence number written (chunk 1)', 100, () => doublingChunks(1, 1), 2e6);
  const dbl = add('aiocoap: chunk 10 doubling to 10,000 (any rate)', 100, () => doublingChunks(), M);
  add('aiocoap, clean restart every 10,000 messages', 100, () => doublingChunks(), 1e8, 10000);
  add('aiocoap, clean restart every 10^6 messages', 100, () => doublingChunks(), M, 1e6);
  const rb: Record<number, { s2: Wear; s8: Wear }> = {};
  for (const rate of [1, 10, 100, 1000]) rb[rate] = add(`rate-bounded (60 s), ${rate} msg/s`, rate, (now) => rateBoundedChunks(now, 60000), M);
  sections.push({
    title: 'Flash writes and sector erases per 10^6 messages (steady state, 4 KiB sectors, 4 contexts share the partition)',
    command: 'npm run bench -- persist',
    columns: ['reservation rule', 'record writes / 10^6', 'bytes programmed / 10^6', 'erases / 10^6 (2 sectors)', 'erases / 10^6 (8 sectors)', 'erases per sector (8 sectors, measured run)', 'messages measured'],
    rows,
    notes: `Measured after a warm-up that erased every sector once. A reservation record is ${every.s2.recordBytes} bytes (12-byte key) plus a 4-byte commit write; rotations also copy the 4 live records. Goal: ≤ 1 erase per 10^6 messages. Rate-bounded = aiocoap's doubling to 10,000, then doubling further while a chunk lasts under 60 s (src/persist/flash-context-store.ts).`,
  });

  const years = (w: Wear, sectors: number, rate: number) => {
    const erasesPerSecond = (w.erases / w.messages) * rate;
    return erasesPerSecond === 0 ? Infinity : (sectors * CYCLES) / erasesPerSecond / YEAR_S;
  };
  const show = (y: number) => (y === Infinity ? '∞' : y >= 1e6 ? '> 10^6' : fmt(y, y < 10 ? 2 : 0));
  const lifeRows = [1, 10, 100, 1000].map((rate) => [
    rate,
    show(years(every.s2, 2, rate)), show(years(every.s8, 8, rate)),
    show(years(dbl.s2, 2, rate)), show(years(dbl.s8, 8, rate)),
    show(years(rb[rate].s2, 2, rate)), show(years(rb[rate].s8, 8, rate)),
    fmt((rb[rate].s2.writes / rb[rate].s2.seconds) * 3600, 1),
  ]);
  sections.push({
    title: 'Estimated flash lifetime: years until 100,000 erases per sector, by message rate',
    command: 'npm run bench -- persist',
    columns: ['messages/s (one context)', 'every seq, 2 sectors', 'every seq, 8 sectors', 'aiocoap, 2 sectors', 'aiocoap, 8 sectors', 'rate-bounded, 2 sectors', 'rate-bounded, 8 sectors', 'rate-bounded writes/hour'],
    rows: lifeRows,
    notes: 'From the measured erases per message above (no restarts) × rate; rotation spreads erases over all sectors, so a partition lasts sectors × 100,000 erases. Each clean restart adds about 13 writes (load marker, the chunk ramp 10 … 10,000, close). Data retention limits are not modelled.',
  });

  const xs = (await runOnXs('bench/xs/persist-entry.ts')) as Record<string, number>;
  sections.push({
    title: 'XS computrons: reservation write and boot recovery (4 contexts, 4 KiB sectors)',
    command: 'npm run bench -- persist',
    columns: ['operation', 'computrons', 'of which simulated flash (copy/NOR checks)'],
    rows: [
      ['reserve(): one record write (36 B record, 4 B commit, 2 × 4 B counter bits)', fmt(xs['reserve']), fmt(xs['sim-flash-write'])],
      ['reserve() inside the current chunk (no write)', fmt(xs['reserve-no-write']), '0'],
      ['boot recovery RecordLog.open, 2 sectors', fmt(xs['recover-2']), fmt(xs['clone-2']) + ' (image copy in the benchmark)'],
      ['boot recovery RecordLog.open, 8 sectors', fmt(xs['recover-8']), fmt(xs['clone-8']) + ' (image copy in the benchmark)'],
      ['FlashContextStore.open + load (writes the unknown marker)', fmt(xs['open-load']), '—'],
    ],
    notes: 'xsnap metering, deterministic. The partition holds 4 contexts after 8 boots (~130 records). On the device, flash reads/writes are native calls; the simulated NOR flash adds its own copy and bit checks, listed separately.',
  });

  // The full exploration: every byte position of every write and erase; then cuts during recovery.
  const t0 = Date.now();
  const full = runWorkload({ ops: 10000, seed: 1, sectors: 2, blockSize: 512, contexts: 2, writeStride: 1, eraseStride: 1, depth: 1, mainCutRate: 0, closeEvery: 600, crashShare: 0.3 });
  const t1 = Date.now();
  const deep = runWorkload({ ops: 400, seed: 2, sectors: 3, blockSize: 256, contexts: 2, writeStride: 1, eraseStride: 1, depth: 2, mainCutRate: 0, closeEvery: 40, crashShare: 0.5 });
  const t2 = Date.now();
  const live = runWorkload({ ops: 200000, seed: 3, sectors: 2, blockSize: 512, contexts: 3, writeStride: 1, eraseStride: 1, depth: 0, mainCutRate: 0.02, closeEvery: 300, crashShare: 0.2 });
  const t3 = Date.now();
  const row = (name: string, r: ReturnType<typeof runWorkload>, ms: number) => [name, fmt(r.ops), r.boots, r.cleanCloses, r.crashes + r.mainCuts, fmt(r.cutPointsChecked), r.flashWrites, r.flashErases, r.maxLost, fmt(r.replaysRejected), fmt(ms / 1000, 1)];
  sections.push({
    title: 'Power-cut exploration (all passed: no sequence number reused, no replay accepted, exact state after clean close)',
    command: 'npm run bench -- persist',
    columns: ['run', 'operations', 'boots', 'clean closes', 'crashes + real cuts', 'cut points recovered and checked', 'flash writes', 'erases', 'max numbers lost by one recovery', 'replays rejected', 'seconds (Node)'],
    rows: [
      row('every byte of every write and erase (2 × 512 B sectors)', full, t1 - t0),
      row('same, plus every cut during each recovery (3 × 256 B sectors)', deep, t2 - t1),
      row('random real cuts, continuing from each torn state', live, t3 - t2),
    ],
    notes: 'Numbers lost = reserved but never used, skipped by a recovery: at most one chunk (aiocoap rule: ≤ 10,000; here chunks restart at 10 on each boot). Small sectors force many rotations; the logic does not depend on the sector size.',
  });
  return sections;
};
