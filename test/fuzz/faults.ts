/**
 * Fault injection across the stack (not a test file; used by test/reliability-faults-stack.test.ts
 * and scripts/faults.mjs). A client and a server on the simulated network; the server's two OSCORE
 * contexts live on a simulated NOR flash (FlashContextStore over one RecordLog, RFC 8613 App. B.1).
 * Each cycle: a random workload (protected POST/GET, Block-wise PUT and GET, Observe with
 * notifications) under 0–30 % loss, duplication and reordering, while faults strike: a power cut
 * after a random number of flash byte steps (tearing a reservation, a close, or boot recovery), a
 * kill at a random moment, a clean shutdown, clock jumps (the whole world, and a new clock origin
 * at each server boot). Invariants, checked as the run goes and after every cycle:
 *   - no (key, nonce) pair is ever sealed twice with different input (every AEAD seal is recorded);
 *   - no Partial IV is accepted twice by a server context (every replay-window acceptance is recorded);
 *   - the persisted state always loads after a cut (RecordLog + FlashContextStore open);
 *   - service resumes: on a healed network a fresh protected request succeeds after every cycle.
 */
import type { Clock, DatagramPort, TimerHandle } from '../../src/ports.js';
import { VirtualClock } from '../../src/sim/virtual-clock.js';
import { SimNetwork } from '../../src/sim/sim-network.js';
import { Prng } from '../../src/sim/prng.js';
import { NorFlash, PowerCut } from '../../src/sim/nor-flash.js';
import { RecordLog } from '../../src/persist/record-log.js';
import { FlashContextStore } from '../../src/persist/flash-context-store.js';
import { SecurityContext, type SecurityContextParams } from '../../src/oscore/context.js';
import { contextLookup } from '../../src/oscore/unprotect.js';
import { oscoreLayer } from '../../src/coap/oscore-layer.js';
import { Endpoint } from '../../src/coap/endpoint.js';
import { Code } from '../../src/coap/numbers.js';
import { OscoreXsError } from '../../src/errors.js';
import { toHex, utf8Encode } from '../../src/bytes.js';
import type { AeadKey } from '../../src/crypto/aead.js';

export interface FaultStats {
  cycles: number;
  requests: number;
  succeeded: number;
  failedTyped: number;
  powerCuts: number;
  cutsDuringBoot: number;
  kills: number;
  cleanStops: number;
  clockJumps: number;
  seals: number;
  identicalReseals: number;
  accepted: number;
  resumeChecks: number;
  notifications: number;
}

/** Records every AEAD seal per key label; a nonce sealed again with other input is a reuse. */
class NonceLedger {
  private readonly seen = new Map<string, string>();
  constructor(private readonly stats: FaultStats) {}
  wrap(label: string, key: AeadKey): AeadKey {
    const record = (nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): void => {
      const id = label + '/' + toHex(nonce);
      const input = toHex(aad) + '|' + toHex(pt);
      const prev = this.seen.get(id);
      if (prev !== undefined && prev !== input) throw new InvariantViolation('nonce reuse: ' + id);
      if (prev !== undefined) this.stats.identicalReseals++;
      this.seen.set(id, input);
      this.stats.seals++;
    };
    return {
      algorithm: key.algorithm,
      open: (n, a, c) => key.open(n, a, c),
      seal: (nonce, aad, pt) => {
        record(nonce, aad, pt);
        return key.seal(nonce, aad, pt);
      },
      // protect.ts seals in place: the plaintext is the buffer without its tag room.
      sealInPlace: (nonce, aad, buffer) => {
        record(nonce, aad, buffer.subarray(0, buffer.length - key.algorithm.tagLength));
        key.sealInPlace(nonce, aad, buffer);
      },
    };
  }
}

/** Not an OscoreXsError: the stack must never catch and hide it as a protocol error. */
export class InvariantViolation extends Error {}

/** A server-local clock: a new origin at every boot (time jumps back or forward across reboots). */
class DeviceClock implements Clock {
  constructor(private readonly base: Clock, private readonly offset: number) {}
  now(): number {
    return this.base.now() + this.offset;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    return this.base.setTimer(ms, fn);
  }
  clearTimer(h: TimerHandle): void {
    this.base.clearTimer(h);
  }
}

/** The server's socket: a dead device (power off, killed) neither sends nor receives. */
class DevicePort implements DatagramPort {
  alive = true;
  constructor(private readonly inner: DatagramPort, private readonly flash: NorFlash) {}
  send(d: Uint8Array, a: string, p: number): void {
    if (this.alive && !this.flash.isOff) this.inner.send(d, a, p);
  }
  onReceive(h: (d: Uint8Array, a: string, p: number) => void): void {
    this.inner.onReceive((d, a, p) => {
      if (this.alive && !this.flash.isOff) h(d, a, p);
    });
  }
  close(): void {
    this.alive = false;
    this.inner.close();
  }
}

const SECRET = utf8Encode('fault-injection!');
const PAIRS: { client: SecurityContextParams; server: SecurityContextParams; key: Uint8Array }[] = [
  { key: new Uint8Array([0xa1]), client: { masterSecret: SECRET, senderId: new Uint8Array([1]), recipientId: new Uint8Array(0) }, server: { masterSecret: SECRET, senderId: new Uint8Array(0), recipientId: new Uint8Array([1]) } },
  { key: new Uint8Array([0xa2]), client: { masterSecret: SECRET, senderId: new Uint8Array([2]), recipientId: new Uint8Array([9]), idContext: new Uint8Array([7, 7]) }, server: { masterSecret: SECRET, senderId: new Uint8Array([9]), recipientId: new Uint8Array([2]), idContext: new Uint8Array([7, 7]) } },
];

export class FaultRun {
  readonly stats: FaultStats = { cycles: 0, requests: 0, succeeded: 0, failedTyped: 0, powerCuts: 0, cutsDuringBoot: 0, kills: 0, cleanStops: 0, clockJumps: 0, seals: 0, identicalReseals: 0, accepted: 0, resumeChecks: 0, notifications: 0 };
  private readonly rng: Prng;
  private readonly clock = new VirtualClock();
  private readonly net: SimNetwork;
  private readonly flash: NorFlash;
  private readonly ledger: NonceLedger;
  private readonly acceptedSeqs = new Set<string>();
  private readonly clientFlash: NorFlash;
  private clientContexts: SecurityContext[] = [];
  private client!: Endpoint;
  private server?: { endpoint: Endpoint; port: DevicePort; contexts: SecurityContext[] };
  private bootCount = 0;
  /** The last datagrams (for the message of a violation). */
  readonly trace: string[] = [];
  private served = 0;

  constructor(readonly seed: number) {
    this.rng = new Prng(seed);
    this.net = new SimNetwork(this.clock, { seed: seed + 1 });
    this.flash = new NorFlash({ sectors: 3, blockSize: 512, seed: seed + 2 });
    this.ledger = new NonceLedger(this.stats);
    this.net.onSend = (d, from, _fp, to) => {
      this.trace.push(this.clock.now() + ' ' + from + '→' + to + ' ' + toHex(d.subarray(0, 24)) + (d.length > 24 ? '…(' + d.length + ')' : ''));
      if (this.trace.length > 40) this.trace.shift();
    };
    const log = RecordLog.open(this.flash);
    for (const p of PAIRS) FlashContextStore.create(log, p.key);
    this.clientFlash = new NorFlash({ sectors: 3, blockSize: 512, seed: seed + 4 });
    const clog = RecordLog.open(this.clientFlash);
    for (const p of PAIRS) FlashContextStore.create(clog, p.key);
    this.bootClient();
    this.boot();
  }

  private instrument(ctx: SecurityContext, label: string): SecurityContext {
    // An own property shadows the context's lazily preparing getter.
    Object.defineProperty(ctx, 'senderKey', { value: this.ledger.wrap(label, ctx.senderKey), writable: true, configurable: true });
    const w = ctx.replayWindow;
    const accept = w.accept.bind(w);
    const init = w.initialiseFromFreshRequest.bind(w);
    const record = (seq: number) => {
      const id = label + '#' + seq;
      if (this.acceptedSeqs.has(id)) throw new InvariantViolation('replay accepted: ' + id);
      this.acceptedSeqs.add(id);
      this.stats.accepted++;
    };
    w.accept = (seq: number) => (accept(seq), record(seq));
    w.initialiseFromFreshRequest = (seq: number) => (init(seq), record(seq));
    return ctx;
  }

  /** (Re)load the client's contexts from its own flash; cuts during that boot retry it. */
  private bootClient(): void {
    // A reboot ends the old endpoint with everything in flight: an old context must never seal again.
    this.client?.close();
    for (const c of this.clientContexts) this.retire(c);
    this.client = new Endpoint({ port: this.net.port('cli', 5683), clock: this.clock, random: new Prng(this.seed * 13 + this.bootCount++), oscore: oscoreLayer({ contextFor: () => this.clientContexts[0] }), blockwise: { preferredSzx: 3 } });
    for (let attempt = 0; ; attempt++) {
      this.clientFlash.reboot();
      if (attempt < 3 && this.rng.float() < 0.15) this.clientFlash.cutPowerAfter(this.rng.int(60));
      try {
        const log = RecordLog.open(this.clientFlash);
        const chunk = { next: () => 1 + this.rng.int(8) };
        this.clientContexts = PAIRS.map((p, i) => this.instrument(new SecurityContext(p.client, { store: FlashContextStore.open(log, p.key, { chunks: chunk }) }), 'client' + i));
        this.clientFlash.cutPowerAfter(Infinity);
        return;
      } catch (e) {
        // SecurityContext reports a store that failed while loading as LoadError: a cut if the power is off.
        if (!(e instanceof PowerCut) && !this.clientFlash.isOff) throw e;
        this.stats.cutsDuringBoot++;
      }
    }
  }

  /** Boot the server from flash; a power cut during boot (recovery, load marker) boots again. */
  private boot(): void {
    for (let attempt = 0; ; attempt++) {
      this.flash.reboot();
      if (attempt < 3 && this.rng.float() < 0.15) this.flash.cutPowerAfter(this.rng.int(60));
      try {
        const log = RecordLog.open(this.flash);
        const chunk = { next: () => 1 + this.rng.int(6) };
        const contexts = PAIRS.map((p, i) => this.instrument(new SecurityContext(p.server, { store: FlashContextStore.open(log, p.key, { chunks: chunk }) }), 'server' + i));
        const port = new DevicePort(this.net.port('srv', 5683), this.flash);
        const clock = new DeviceClock(this.clock, this.rng.int(2) ? this.rng.int(1e9) : -this.clock.now());
        const endpoint = new Endpoint({ port, clock, random: new Prng(this.seed * 7 + this.bootCount++), oscore: oscoreLayer({ lookup: contextLookup(contexts), clock, random: new Prng(this.bootCount) }), blockwise: { preferredSzx: 4 } });
        endpoint.resource('/r', { GET: () => ({ payload: 'n' + ++this.served }), POST: (q) => ({ code: Code.CHANGED, payload: 'got ' + q.text() + ' #' + ++this.served }), PUT: (q) => ({ code: Code.CHANGED, payload: 'len ' + q.payload.length + ' #' + ++this.served }) }, { requireOscore: true });
        endpoint.resource('/big', { GET: () => ({ payload: 'b'.repeat(300 + (++this.served % 400)) }) }, { requireOscore: true });
        endpoint.resource('/obs', { GET: () => ({ payload: 'o' + ++this.served }) }, { requireOscore: true, observable: true });
        this.flash.cutPowerAfter(Infinity);
        this.server = { endpoint, port, contexts };
        return;
      } catch (e) {
        // LoadError with the power on = persisted state lost: a failure.
        if (!(e instanceof PowerCut) && !this.flash.isOff) throw e;
        this.stats.cutsDuringBoot++;
      }
    }
  }

  /** A context of a device that rebooted: any later seal is a harness error (two live copies would reuse nonces). */
  private retire(ctx: SecurityContext): void {
    const used = (): never => {
      throw new InvariantViolation('a context of a rebooted device was used');
    };
    Object.defineProperty(ctx, 'senderKey', { value: { algorithm: ctx.senderKey.algorithm, open: used, seal: used, sealInPlace: used }, writable: true, configurable: true });
  }

  private stopServer(clean: boolean): void {
    const s = this.server!;
    for (const c of s.contexts) this.retire(c);
    if (clean && !this.flash.isOff) {
      try {
        for (const c of s.contexts) c.close();
        this.stats.cleanStops++;
      } catch (e) {
        if (!(e instanceof PowerCut)) throw e;
        this.stats.powerCuts++;
      }
    }
    s.port.alive = false;
    s.endpoint.close();
    this.server = undefined;
  }

  private async request(kind: number, ctxIndex: number): Promise<void> {
    const oscore = this.clientContexts[ctxIndex];
    const id = 'q' + this.stats.requests++;
    const inits = [
      { uri: 'coap://srv/r', method: 'POST' as const, payload: id },
      { uri: 'coap://srv/r' },
      { uri: 'coap://srv/r', method: 'PUT' as const, payload: id.padEnd(200 + this.rng.int(400), '.') },
      { uri: 'coap://srv/big' },
    ];
    const p = this.client.request({ ...inits[kind % inits.length], layerData: { oscore }, timeout: 60_000 });
    try {
      const r = await p;
      if (r.code >> 5 === 2) this.stats.succeeded++;
      else this.stats.failedTyped++;
    } catch (e) {
      if (e instanceof InvariantViolation) throw e;
      if (!(e instanceof OscoreXsError)) throw new InvariantViolation('untyped client error: ' + String(e));
      this.stats.failedTyped++;
    }
  }

  /** One cycle: traffic under faults, then the checks. Throws InvariantViolation on a breach. */
  async cycle(): Promise<void> {
    const rng = this.rng;
    const bad = rng.float() * 0.3;
    this.net.configure({ loss: bad * rng.float(), duplicate: bad * rng.float(), reorder: bad * rng.float(), reorderDelay: 500, jitter: 5 });
    if (rng.float() < 0.4) this.flash.cutPowerAfter(rng.int(80));
    if (rng.float() < 0.4) this.clientFlash.cutPowerAfter(rng.int(80));
    const killAt = rng.float() < 0.25 ? rng.int(4000) : -1;
    const killTimer = killAt >= 0 ? this.clock.setTimer(killAt, () => this.server?.port.alive && ((this.server.port.alive = false), this.stats.kills++)) : undefined;
    let stream: { cancel(): Promise<void> } | undefined;
    if (rng.float() < 0.3) {
      const s = this.client.observe({ uri: 'coap://srv/obs', layerData: { oscore: this.clientContexts[rng.int(2)] } });
      stream = s;
      void (async () => {
        try {
          for await (const _ of s) this.stats.notifications++;
        } catch (e) {
          if (e instanceof InvariantViolation) throw e;
        }
      })();
    }
    const n = 1 + rng.int(4);
    const pending: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      pending.push(this.request(rng.int(4), rng.int(2)));
      if (stream && this.server && rng.int(2)) this.server.endpoint.notify('/obs');
      if (rng.float() < 0.1) {
        this.clock.setTimer(0, () => {});
        await this.clock.advanceAsync(3_600_000); // a clock jump: every timer in between fires
        this.stats.clockJumps++;
      } else await this.clock.advanceAsync(rng.int(500));
    }
    let settled = false;
    const all = Promise.all(pending).then(() => (settled = true));
    for (let t = 0; t < 400_000 && !settled; t += 1000) await this.clock.advanceAsync(1000);
    await all;
    await stream?.cancel();
    if (killTimer !== undefined) this.clock.clearTimer(killTimer);
    // End of cycle: the device goes down in one of three ways, or keeps running.
    const cut = this.flash.isOff;
    if (cut) this.stats.powerCuts++;
    const dead = cut || !this.server!.port.alive;
    const r = rng.float();
    if (dead || r < 0.15) {
      this.stopServer(!dead && r < 0.08);
      this.boot();
    }
    this.flash.cutPowerAfter(Infinity);
    // The client device: a cut (its reservations tore) or a clean restart reloads it from flash.
    if (this.clientFlash.isOff) {
      this.stats.powerCuts++;
      this.bootClient();
    } else if (rng.float() < 0.05) {
      try {
        for (const c of this.clientContexts) c.close();
        this.stats.cleanStops++;
      } catch (e) {
        if (!(e instanceof PowerCut)) throw e;
        this.stats.powerCuts++;
      }
      this.bootClient();
    }
    this.clientFlash.cutPowerAfter(Infinity);
    await this.resumeCheck();
    this.stats.cycles++;
  }

  /** On a healed network a fresh protected request must succeed (with an Echo round if needed). */
  private async resumeCheck(): Promise<void> {
    this.net.configure({ loss: 0, duplicate: 0, reorder: 0, jitter: 0 });
    for (const oscore of this.clientContexts) {
      const p = this.client.request({ uri: 'coap://srv/r', method: 'POST', payload: 'resume', layerData: { oscore }, timeout: 60_000 });
      let done = false;
      p.then(() => (done = true), () => (done = true));
      for (let t = 0; t < 100_000 && !done; t += 100) await this.clock.advanceAsync(100);
      let r;
      try {
        r = await p;
      } catch (e) {
        throw new InvariantViolation('service did not resume (cycle ' + this.stats.cycles + '): ' + String(e) + '\n' + this.trace.join('\n'));
      }
      if (r.codeString !== '2.04') throw new InvariantViolation('service did not resume (cycle ' + this.stats.cycles + '): ' + r.codeString + ' ' + r.text());
      this.stats.resumeChecks++;
    }
  }
}

/** Run `cycles` cycles of a fresh run with `seed`; returns the stats (throws on a violation). */
export async function runFaults(seed: number, cycles: number): Promise<FaultStats> {
  const run = new FaultRun(seed);
  for (let i = 0; i < cycles; i++) await run.cycle();
  return run.stats;
}
