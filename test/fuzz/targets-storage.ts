/**
 * Fuzz targets for what is read back from storage (not a test file):
 * - aiocoap-format loaders (platform-free part): settings.json/secret.json (parseContextConfig),
 *   the credentials map, sequence.json — random, structured and mutated JSON → LoadError only; an
 *   accepted configuration builds a SecurityContext or fails with LoadError; an accepted
 *   sequence.json round-trips through formatSequenceFile, and its window accepts exactly the
 *   numbers aiocoap's would (RFC 8613 App. B.1).
 * - the flash RecordLog reader: a partition written by a known history, then garbage, bit flips or
 *   erased runs → open() either refuses with a typed error or every key reads as its newest value,
 *   as absent, or as LoadError — never an older value (that would roll back a sequence number).
 */
import { fc } from './fc.js';
import { bump, typedOnly, type FuzzTarget } from './target.js';
import { LoadError, OscoreXsError } from '../../src/errors.js';
import { toHex } from '../../src/bytes.js';
import { parseContextConfig } from '../../src/credentials/context-config.js';
import { CredentialsMap } from '../../src/credentials/credentials-map.js';
import { parseSequenceFile, formatSequenceFile, aiocoapToReplayState, aiocoapWindowAccepts } from '../../src/credentials/sequence-file.js';
import { SecurityContext } from '../../src/oscore/context.js';
import { ReplayWindow } from '../../src/oscore/replay.js';
import { NorFlash, PowerCut } from '../../src/sim/nor-flash.js';
import { RecordLog } from '../../src/persist/record-log.js';
import { Prng } from '../../src/sim/prng.js';

// ---------------------------------------------------------------- JSON loaders

const hexString = fc.uint8Array({ maxLength: 20 }).map((b) => toHex(b));
const looseValue = fc.oneof(hexString, fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 70000 }), fc.constant(null), fc.boolean(), fc.constantFrom('AES-CCM-16-64-128', 'AES-CCM-64-64-256', 'A128GCM', 'sha256', 'sha512', 'ü', '0x01'), fc.array(fc.nat(), { maxLength: 2 }));
const contextKeys = fc.constantFrom('sender-id_hex', 'recipient-id_hex', 'secret_hex', 'salt_hex', 'id-context_hex', 'sender-id_ascii', 'recipient-id_ascii', 'secret_ascii', 'salt_ascii', 'id-context_ascii', 'algorithm', 'kdf-hashfun', 'window', 'sender-id', 'junk');
const validBase = { 'sender-id_hex': '01', 'recipient-id_hex': '', secret_hex: '0102030405060708090a0b0c0d0e0f10', salt_hex: '9e7ca92223786340' };
/** Mostly-valid settings: a working base with some keys replaced, added or removed. */
const nearValid = fc.tuple(fc.dictionary(contextKeys, looseValue, { maxKeys: 2 }), fc.subarray(Object.keys(validBase), { maxLength: 1 }), fc.constantFrom('AES-CCM-16-64-128', 'AES-CCM-64-64-128', 'AES-CCM-16-128-256', undefined), fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined })).map(([extra, drop, alg, win]) => {
  const o: Record<string, unknown> = { ...validBase, ...extra };
  for (const k of drop) delete o[k];
  if (alg) o.algorithm = alg;
  if (win !== undefined) o.window = win;
  return o;
});
const contextObject = fc.oneof(fc.dictionary(contextKeys, looseValue, { maxKeys: 8 }), nearValid);

/** JSON text: structured, then sometimes mutated as text (cut, insert, replace characters). */
function jsonText<T>(value: fc.Arbitrary<T>) {
  return fc.oneof(
    { weight: 5, arbitrary: value.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.tuple(value, fc.array(fc.tuple(fc.nat(2), fc.nat(), fc.constantFrom('"', '{', '}', ',', ':', '\\', '0', 'e9', ' ', 'x', '[', ']')), { minLength: 1, maxLength: 3 })).map(([v, muts]) => {
      let s = JSON.stringify(v);
      for (const [k, p, c] of muts) {
        const at = s.length ? p % s.length : 0;
        s = k === 0 ? s.slice(0, at) : k === 1 ? s.slice(0, at) + c + s.slice(at) : s.slice(0, at) + c + s.slice(at + 1);
      }
      return s;
    }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  );
}

const sequenceObject = fc.record(
  {
    'next-to-send': fc.oneof(fc.nat(), fc.constant(2 ** 40), fc.constant(2 ** 40 + 1), fc.integer({ min: -3, max: 3 }), fc.constant('17'), fc.double()),
    received: fc.oneof(fc.constant('unknown'), fc.constant('known'), fc.record({ index: fc.oneof(fc.nat({ max: 1000 }), fc.integer({ min: -2, max: 0 })), bitfield: fc.oneof(fc.nat({ max: 0xffffffff }), fc.bigInt({ min: 0n, max: (1n << 80n) })) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

/** JSON.stringify refuses BigInt: write it as Python does (a bare integer). */
const stringifySequence = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? '@@' + x.toString() + '@@' : x)).replace(/"@@(\d+)@@"/g, '$1');

const credentialsObject = fc.dictionary(
  fc.constantFrom('coap://localhost/*', 'coap://*', 'coap://h/x', ':a', ':b', ':c', 'coaps://*'),
  fc.oneof(fc.constantFrom(':a', ':b', ':c', 'a'), fc.record({ oscore: fc.oneof(fc.record({ basedir: fc.oneof(fc.constant('ctx/'), fc.constant(''), fc.nat()) }, { requiredKeys: [] }), fc.record({ contextfile: fc.constant('x/') })) }), fc.record({ dtls: fc.constant({}) }), fc.constant(null), fc.constant({ a: 1, b: 2 })),
  { maxKeys: 5 },
);

export const loadersTarget: FuzzTarget = {
  name: 'credential-loaders',
  description: 'random, structured and text-mutated settings.json/secret.json, credentials maps and sequence.json → LoadError only; accepted contexts build, sequence files round-trip and keep aiocoap\'s acceptance set',
  create() {
    const counts = {};
    const input = fc.oneof(
      fc.record({ k: fc.constant('context' as const), settings: jsonText(contextObject), secret: fc.option(jsonText(fc.dictionary(contextKeys, looseValue, { maxKeys: 3 })), { nil: undefined, freq: 2 }) }),
      fc.record({ k: fc.constant('credentials' as const), text: jsonText(credentialsObject), uri: fc.constantFrom('coap://localhost/x', 'coap://h/x', 'coaps://h/', 'coap://other/') }),
      fc.record({ k: fc.constant('sequence' as const), text: fc.oneof(sequenceObject.map(stringifySequence), jsonText(sequenceObject.map((o) => JSON.parse(stringifySequence(o))))), window: fc.integer({ min: 1, max: 64 }), probes: fc.array(fc.nat({ max: 1200 }), { maxLength: 6 }) }),
    );
    const property = fc.property(input, (x) => {
      if (x.k === 'context') {
        let cfg;
        try {
          cfg = parseContextConfig('ctx', [{ name: 'secret.json', text: x.secret }, { name: 'settings.json', text: x.settings }]);
        } catch (e) {
          typedOnly(e, LoadError);
          return void bump(counts, 'context-rejected');
        }
        try {
          new SecurityContext({ masterSecret: cfg.masterSecret, masterSalt: cfg.masterSalt, senderId: cfg.senderId, recipientId: cfg.recipientId, idContext: cfg.idContext, algorithm: cfg.algorithmId, replayWindowSize: cfg.window });
          bump(counts, 'context-built');
        } catch (e) {
          typedOnly(e, LoadError);
          bump(counts, 'context-refused-at-build');
        }
        return;
      }
      if (x.k === 'credentials') {
        try {
          const map = CredentialsMap.parse('credentials.json', x.text);
          bump(counts, 'credentials-parsed');
          const hit = map.forUri(x.uri);
          if (hit && !('edhoc' in hit) && (typeof hit.basedir !== 'string' || hit.basedir === '')) throw new Error('credentials match without a directory');
          if (hit && 'edhoc' in hit && typeof hit.edhoc.suite !== 'number') throw new Error('edhoc-oscore match without a suite');
        } catch (e) {
          typedOnly(e, LoadError);
          bump(counts, 'credentials-rejected');
        }
        return;
      }
      let s;
      try {
        s = parseSequenceFile('sequence.json', x.text, x.window);
      } catch (e) {
        typedOnly(e, LoadError);
        return void bump(counts, 'sequence-rejected');
      }
      if (!(Number.isSafeInteger(s.nextToSend) && s.nextToSend >= 0 && s.nextToSend <= 2 ** 40)) throw new Error('next-to-send out of range accepted');
      const again = parseSequenceFile('sequence.json', formatSequenceFile(s), x.window);
      if (formatSequenceFile(again) !== formatSequenceFile(s)) throw new Error('sequence.json does not round-trip');
      const state = aiocoapToReplayState(s.received, x.window);
      const ours = new ReplayWindow(x.window, state);
      if (s.received !== 'unknown') {
        for (const seq of x.probes) {
          const p = s.received.index + seq - 600;
          if (p < 0) continue;
          let accepted = true;
          try {
            ours.check(p);
          } catch {
            accepted = false;
          }
          if (accepted !== aiocoapWindowAccepts(s.received, x.window, p)) throw new Error('window disagrees with aiocoap at ' + p);
        }
      } else if (!ours.isUnknown) throw new Error('unknown window loaded as known');
      bump(counts, 'sequence-accepted');
    });
    return { property, counts };
  },
};

// ---------------------------------------------------------------- flash record log

const flip = fc.record({ k: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }), written: fc.boolean() });
const burst = fc.oneof(
  fc.record({ k: fc.constant('garbage' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) }),
  fc.record({ k: fc.constant('erase-run' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
);
/** Bit flips (retention errors): 1–3 independent single-bit faults. */
const flipDamage = fc.array(flip, { minLength: 1, maxLength: 3 });
/** Bursts: runs of garbage or of erased bytes, mixed with flips. */
const burstDamage = fc.array(fc.oneof({ weight: 2, arbitrary: burst }, { weight: 1, arbitrary: flip }), { minLength: 1, maxLength: 3 }).filter((d) => d.some((x) => x.k !== 'flip'));

const SECTORS = 3;
const BLOCK = 512;

/** The partition after a seeded history of appends (with rotations): image + every value per key. */
function history(seed: number) {
  const rng = new Prng(seed);
  const flash = new NorFlash({ sectors: SECTORS, blockSize: BLOCK, seed });
  const log = RecordLog.open(flash);
  const keys = [new Uint8Array([0x11]), new Uint8Array([0x22, 0x22]), new Uint8Array([0x33, 0x33, 0x33])];
  const values: string[][] = keys.map(() => []);
  const ops = 5 + rng.int(60);
  for (let i = 0; i < ops; i++) {
    const k = rng.int(keys.length);
    const body = rng.bytes(1 + rng.int(20));
    log.append(keys[k], body);
    values[k].push(toHex(body));
  }
  return { image: flash.bytes.slice(), keys, values };
}

function recordLogTarget(bursts: boolean): FuzzTarget {
  return {
  name: bursts ? 'flash-record-log-bursts' : 'flash-record-log',
  description: bursts
    ? 'partitions written by a seeded history, then garbage runs or erased runs (1–64 bytes, with flips) → RecordLog.open: typed errors only, each key reads as its newest value, absent, or LoadError — never an older value, never one never written; the log keeps working'
    : 'partitions written by a seeded history (with rotations), then 1–3 bit flips (in written bytes or anywhere) → RecordLog.open: typed error, or each key reads as its newest value, absent, or LoadError — never an older value',
  create() {
    const counts = {};
    const histories = new Map<number, ReturnType<typeof history>>();
    const property = fc.property(fc.nat({ max: 63 }), bursts ? burstDamage : flipDamage, (h, damage) => {
      let hist = histories.get(h);
      if (!hist) histories.set(h, (hist = history(h + 1)));
      const img = hist.image.slice();
      const written: number[] = [];
      for (let i = 0; i < img.length; i++) if (img[i] !== 0xff) written.push(i);
      for (const d of damage) {
        if (d.k === 'flip') {
          const at = d.written && written.length ? written[d.at % written.length] : d.at % img.length;
          img[at] ^= 1 << d.bit;
        } else if (d.k === 'garbage') {
          const at = d.at % img.length;
          img.set(d.bytes.subarray(0, img.length - at), at);
        } else {
          const at = d.at % img.length;
          img.fill(0xff, at, Math.min(img.length, at + d.len));
        }
      }
      const flash = new NorFlash({ blockSize: BLOCK, image: img });
      let log: RecordLog;
      try {
        log = RecordLog.open(flash);
      } catch (e) {
        if (e instanceof PowerCut) throw e;
        typedOnly(e, OscoreXsError);
        return void bump(counts, 'open-refused');
      }
      hist.keys.forEach((key, i) => {
        const vals = hist!.values[i];
        let got: Uint8Array | undefined;
        try {
          got = log.read(key);
        } catch (e) {
          typedOnly(e, LoadError);
          return void bump(counts, 'key-damaged');
        }
        if (got === undefined) {
          bump(counts, vals.length ? 'key-lost' : 'key-absent');
          return;
        }
        const hex = toHex(got);
        if (vals.length && hex === vals[vals.length - 1]) return void bump(counts, 'key-newest');
        const older = vals.lastIndexOf(hex);
        // Never an older value (a rolled-back sequence number): the record counters tell a record
        // lost to damage from one never written (record-format.ts), whatever the damage hit.
        throw new Error(older >= 0 ? 'rolled back: key ' + i + ' read value #' + older + ' of ' + vals.length : 'key ' + i + ' read a value never written');
      });
      // The recovered log keeps working.
      try {
        log.append(hist.keys[0], new Uint8Array([0xaa]));
        if (toHex(log.read(hist.keys[0]) ?? new Uint8Array(0)) !== 'aa') throw new Error('append after recovery not readable');
        bump(counts, 'append-ok');
      } catch (e) {
        typedOnly(e, OscoreXsError);
        bump(counts, 'append-refused');
      }
    });
    return { property, counts };
  },
  };
}

export const recordLogFlipsTarget = recordLogTarget(false);
export const recordLogBurstsTarget = recordLogTarget(true);
