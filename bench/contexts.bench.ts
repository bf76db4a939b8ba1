/**
 * Issue 17 part 4: `oscore-xs fileserver` with 10,000 client contexts in one credentials file
 * (aiocoap format, one context directory each, written to a temp dir by test/many-contexts.ts)
 * against the same server with one context, each in its own process:
 *   - start: from spawn to the "serving" line (best of BENCH_STARTS starts);
 *   - fds and child processes of the server after start and under load (they must not grow with the
 *     number of contexts);
 *   - memory: RSS per loaded context (10,000 vs 1, after start) and per opened context (after one
 *     request from each of OPENED distinct clients);
 *   - req/s for the last context of the file against the single context, interleaved in slices in
 *     one run (bench/loadgen.ts: pre-protected GETs, 16 in flight, all verified after the clock).
 * BENCH_CONTEXTS / BENCH_N shrink it while developing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, type Section } from './harness.js';
import { clientContext, protectedGets, runLoad, type LoadResult } from './loadgen.js';
import { BODY } from './server-workload.js';
import { writeManyContexts, type ManyContexts } from '../test/many-contexts.js';
import type { SecurityContext } from '../src/oscore/context.js';

const ROOT = process.cwd();
const CONTEXTS = Number(process.env.BENCH_CONTEXTS ?? 10000);
const N = Number(process.env.BENCH_N ?? 20000);
const SLICES = 6;
const WINDOW = 16;
const OPENED = 500;
const BENCH_STARTS = 3;

interface Server {
  child: ChildProcess;
  port: number;
  startMs: number;
}

function startServer(files: string, credentials: string): Promise<Server> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin/oscore-xs.mjs'), 'fileserver', files, '--bind', '127.0.0.1:0', '--credentials', credentials, '--require-oscore'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (d) => {
      text += d;
      const m = /on 127\.0\.0\.1:(\d+)/.exec(text);
      if (m) resolve({ child, port: Number(m[1]), startMs: performance.now() - t0 });
    });
    child.once('exit', (code) => reject(new Error('fileserver exited (' + code + '): ' + text)));
  });
}

async function stopServer(s: Server): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGINT'); // a clean stop: used contexts write their state and unlock
  await exited;
}

const fds = (pid: number) => readdirSync('/proc/' + pid + '/fd').length;
const children = (pid: number) => spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).length;
const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/' + pid + '/status', 'utf8'))![1]);

function sum(a: LoadResult, b: LoadResult): LoadResult {
  const n = a.n + b.n;
  const ms = a.ms + b.ms;
  return { n, ms, perSecond: (n * 1000) / ms, resent: a.resent + b.resent };
}

export default async function (): Promise<Section[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'oscore-xs-contexts-bench-'));
  const files = join(tmp, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'bench'), BODY);
  const t0 = performance.now();
  const many: ManyContexts = writeManyContexts(join(tmp, 'many'), CONTEXTS);
  const writeMs = performance.now() - t0;
  const one: ManyContexts = writeManyContexts(join(tmp, 'one'), 1);
  try {
    // Start time: best of a few starts (each stopped cleanly; nothing was used, so nothing written).
    let startMany = Infinity;
    let startOne = Infinity;
    for (let i = 0; i < BENCH_STARTS; i++) {
      const a = await startServer(files, many.credentials);
      startMany = Math.min(startMany, a.startMs);
      await stopServer(a);
      const b = await startServer(files, one.credentials);
      startOne = Math.min(startOne, b.startMs);
      await stopServer(b);
    }
    const big = await startServer(files, many.credentials);
    const small = await startServer(files, one.credentials);
    const after = { fdsMany: fds(big.child.pid!), fdsOne: fds(small.child.pid!), procsMany: children(big.child.pid!), rssMany: rssKiB(big.child.pid!), rssOne: rssKiB(small.child.pid!) };
    const lastCtx = clientContext(many.client(CONTEXTS - 1));
    const oneCtx = clientContext(one.client(0));
    const rate = { many: undefined as LoadResult | undefined, one: undefined as LoadResult | undefined };
    let underLoad = { fds: 0, procs: 0 };
    try {
      // Warm-up, then interleaved slices: last of 10,000 vs the only one.
      await runLoad(big.port, protectedGets(lastCtx, 2000, ['bench'], BODY), WINDOW);
      await runLoad(small.port, protectedGets(oneCtx, 2000, ['bench'], BODY), WINDOW);
      // Slices alternate which server goes first, so neither always follows the other's burst.
      for (let s = 0; s < SLICES; s++) {
        const runMany = async () => {
          const a = await runLoad(big.port, protectedGets(lastCtx, N / SLICES, ['bench'], BODY), WINDOW);
          rate.many = rate.many ? sum(rate.many, a) : a;
        };
        const runOne = async () => {
          const b = await runLoad(small.port, protectedGets(oneCtx, N / SLICES, ['bench'], BODY), WINDOW);
          rate.one = rate.one ? sum(rate.one, b) : b;
        };
        if (s % 2 === 0) (await runMany(), await runOne());
        else (await runOne(), await runMany());
      }
      underLoad = { fds: fds(big.child.pid!), procs: children(big.child.pid!) };
      // Memory per opened context: one request each from OPENED distinct clients.
      const rssBefore = rssKiB(big.child.pid!);
      for (let i = 0; i < OPENED; i++) {
        const ctx: SecurityContext = clientContext(many.client(i));
        await runLoad(big.port, protectedGets(ctx, 1, ['bench'], BODY), 1);
      }
      const opened = { rssKiB: rssKiB(big.child.pid!) - rssBefore, fds: fds(big.child.pid!) };
      const rows: (string | number)[][] = [
        ['start (spawn → serving), best of ' + BENCH_STARTS, fmt(startOne, 0) + ' ms', fmt(startMany, 0) + ' ms', '≤ 2,000 ms', startMany <= 2000 ? 'yes' : 'no'],
        ['GET req/s, last context of the file (interleaved, ' + N + ' each)', fmt(rate.one!.perSecond, 0), fmt(rate.many!.perSecond, 0) + ' (' + fmt(rate.many!.perSecond / rate.one!.perSecond, 2) + '×)', '≥ 0.9× one', rate.many!.perSecond >= 0.9 * rate.one!.perSecond ? 'yes' : 'no'],
        ['fds after start / under load', String(after.fdsOne), after.fdsMany + ' / ' + underLoad.fds, 'not growing with contexts', after.fdsMany - after.fdsOne < 10 ? 'yes' : 'no'],
        ['child processes after start / under load', '0', after.procsMany + ' / ' + underLoad.procs, 'not growing with contexts', after.procsMany + underLoad.procs === 0 ? 'yes' : 'no'],
        ['RSS after start', fmt(after.rssOne / 1024, 1) + ' MiB', fmt(after.rssMany / 1024, 1) + ' MiB', '', ''],
        ['memory per loaded context (RSS difference ÷ ' + (CONTEXTS - 1) + ')', '', fmt(((after.rssMany - after.rssOne) * 1024) / (CONTEXTS - 1), 0) + ' bytes', 'measured', ''],
        ['memory per opened context (' + OPENED + ' clients, one request each)', '', fmt((opened.rssKiB * 1024) / OPENED, 0) + ' bytes, ' + (opened.fds - underLoad.fds) + ' more fds (one lock each)', 'measured', ''],
      ];
      return [
        {
          title: 'Many contexts: oscore-xs fileserver with ' + CONTEXTS.toLocaleString('en-US') + ' client contexts (issue 17 part 4)',
          command: 'npm run bench -- contexts',
          columns: ['measure', '1 context', CONTEXTS.toLocaleString('en-US') + ' contexts', 'goal', 'met'],
          rows,
          notes:
            'One credentials file with ' + CONTEXTS + ' `:cN` entries, one aiocoap context directory each (written in ' + fmt(writeMs, 0) + ' ms). ' +
            'At start each directory is read and checked (not locked by another process: flock(2) tried on an existing `lock`, through the fs-ext binding) and let go; ' +
            'a context is locked, its sequence.json marked "unknown" and its keys derived on its first request (targets/node/server-contexts.ts). ' +
            'Lookup by kid / kid context is two hash maps (src/oscore/context-index.ts). ' +
            'Locks (one fd each) grow with the contexts in use, not with the file; no process per lock.',
        },
      ];
    } finally {
      await stopServer(big);
      await stopServer(small);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
