/**
 * Device apps on the real Moddable runtime: build with the SDK's `mcconfig` for `lin` and run in
 * `mcsim` under Xvfb (Node only; tests named *.node.test.ts and benchmarks use it).
 *
 * API
 * - `findModdableSdk()` → `{ sdk }` when `$MODDABLE` has `build/bin/lin/release/{mcconfig,mcsim}`
 *   and there is a display (`xvfb-run` on PATH, else `$DISPLAY`); otherwise `{ skip }`, a reason
 *   that says how to enable it. `mcsimRequired()` is true when the environment demands the SDK
 *   (`OSCORE_XS_MCSIM=required`, set by .ci/run): a test should then fail instead of skipping.
 * - `stageDeviceSources(workDir, { bundles?, entries?, externals? })` → a private copy of what the manifests
 *   refer to (examples/, targets/moddable/, manifest.json, bench/mcsim/) with the rollup device
 *   bundles (every ESM entry of rollup.config.mjs, plus `entries`) written into its dist/device/.
 *   Tests running at the same time (which rebuild the repository's dist/device) cannot hand
 *   mcconfig a half-written bundle.
 * - `buildApp(sdk, { stage, manifest, config, label, instrument })` → the path of a copy of the
 *   built mc.so. Runs `mcconfig -m -p lin -o <workDir>/build-<label> <manifest> key=value…`: a
 *   release build, never `-d` (a debug build runs `pkill mcsim`, killing every mcsim on the
 *   machine). `instrument: true` adds `-i` (release build with XS instrumentation, for heap
 *   figures). Builds in one work dir reuse the compiled XS library of the first build. The
 *   mcconfig output is kept in `<workDir>/<label>.mcconfig.log`.
 * - `McsimApp.start(sdk, soPath, { workDir, label })` starts
 *   `XDG_CONFIG_HOME=<own dir> xvfb-run -a -n <random> stdbuf -oL -eL mcsim <so>` in its own process
 *   group; `lines` collects stdout/stderr lines (trace() output), `waitFor(re)` waits for a line,
 *   `powerCut()` is `kill -9` of mcsim (the flash file keeps what was written; xvfb-run then
 *   stops its Xvfb), `restart()` starts the same app again, `stop()` ends the whole process group
 *   (mcsim, Xvfb, xvfb-run), `cpuTimeMs()` reads mcsim's user+system time from /proc/<pid>/stat.
 * - `freeUdpPortAnyAddress()`: a UDP port free on 0.0.0.0 (the app binds the wildcard address).
 *
 * Isolation between concurrent runs on one machine: give each app its own port and flash file
 * through its build configuration (`oscore_port=N oscore_flash=/path/file.flash`, see
 * examples/device/moddable/main.ts and targets/moddable/platform-lin.ts); each start has its own
 * XDG_CONFIG_HOME (mcsim copies the app there) and a random X display number.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = process.cwd();

export interface ModdableSdk {
  /** $MODDABLE */
  root: string;
  /** build/bin/lin/release: mcconfig, mcsim, xsc, xsl… */
  bin: string;
  /** How mcsim gets a display: a private Xvfb per start, or the existing $DISPLAY. */
  display: 'xvfb-run' | 'DISPLAY';
}

export const ENABLE_HINT = 'run `MODDABLE=/path/to/moddable npm test` with the SDK\'s lin tools built (build/bin/lin/release/mcconfig, mcsim) and `apt-get install -y build-essential pkg-config libglib2.0-dev libgtk-3-0 xvfb xauth`; see docs/device.md';

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, name)));
}

export function findModdableSdk(): { sdk: ModdableSdk; skip?: undefined } | { sdk?: undefined; skip: string } {
  const root = process.env.MODDABLE;
  if (!root) return { skip: 'no Moddable SDK: MODDABLE is not set; ' + ENABLE_HINT };
  const bin = join(root, 'build/bin/lin/release');
  for (const tool of ['mcconfig', 'mcsim']) if (!existsSync(join(bin, tool))) return { skip: 'no ' + join(bin, tool) + ' (build the SDK\'s lin tools); ' + ENABLE_HINT };
  if (!onPath('make') || !onPath('cc')) return { skip: 'no make or cc for mcconfig; ' + ENABLE_HINT };
  if (onPath('xvfb-run')) return { sdk: { root, bin, display: 'xvfb-run' } };
  if (process.env.DISPLAY) return { sdk: { root, bin, display: 'DISPLAY' } };
  return { skip: 'mcsim needs a display: no xvfb-run on PATH and no DISPLAY; ' + ENABLE_HINT };
}

/** True when the environment says the SDK tests must run (CI with the SDK set up by .ci/run). */
export function mcsimRequired(): boolean {
  return process.env.OSCORE_XS_MCSIM === 'required';
}

function sdkEnv(sdk: ModdableSdk, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, MODDABLE: sdk.root, PATH: sdk.bin + ':' + (process.env.PATH ?? ''), ...extra };
}

/** Run a command to completion; rejects with its output on failure or after `timeoutMs`. */
function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(cmd + ' ' + args.join(' ') + ' failed (' + (signal ?? 'exit ' + code) + '):\n' + out.slice(-4000)));
    });
  });
}

/** What the manifests refer to, relative to the repository root. */
const STAGED = ['examples', 'targets/moddable', 'manifest.json', 'bench/mcsim'];

/**
 * A private copy of the manifests' sources with freshly built device bundles in `dist/device/`.
 * `extra.bundles` limits the rollup.config.mjs entries built to those output names (e.g.
 * `['platform-lin.js', 'example-server.js']`; default: every ESM entry; rollup + terser take a few
 * seconds per bundle). `extra.entries` adds rollup inputs (repository-relative .ts), bundled like
 * the example apps to dist/device/<basename>.js; `extra.externals` names further Moddable modules
 * they import (e.g. `debug`, `instrumentation`), which mcconfig links.
 */
export async function stageDeviceSources(workDir: string, extra: { bundles?: string[]; entries?: string[]; externals?: string[] } = {}): Promise<string> {
  const stage = join(workDir, 'stage');
  for (const p of STAGED) if (existsSync(join(ROOT, p))) cpSync(join(ROOT, p), join(stage, p), { recursive: true });
  const { rollup } = await import('rollup');
  type Entry = { input: string; external: string[]; output: { file?: string; dir?: string; entryFileNames?: string; format: string }; [k: string]: unknown };
  const config = (await import(pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)).default as Entry[];
  const esm = config.filter((e) => e.output.format === 'es');
  // An example app is written as its boot module (entryFileNames) plus a library chunk into a dir.
  const bundleName = (e: Entry) => String(e.output.file ?? e.output.entryFileNames).replace('dist/device/', '');
  const entries = esm.filter((e) => !extra.bundles || extra.bundles.includes(bundleName(e)));
  const model = esm.find((e) => String(e.input).includes('examples/device/moddable/main')) ?? esm[esm.length - 1];
  for (const input of extra.entries ?? []) {
    const name = input.replace(/^.*\//, '').replace(/\.ts$/, '.js');
    // One file each (the example apps themselves are a boot module plus a library chunk in a dir).
    entries.push({ ...model, input, external: [...model.external, ...(extra.externals ?? [])], output: { format: 'es', file: 'dist/device/' + name } });
  }
  for (const e of entries) {
    const b = await rollup({ ...e, onwarn: () => {} } as never);
    await b.write((e.output.dir ? { ...e.output, dir: join(stage, e.output.dir) } : { ...e.output, file: join(stage, e.output.file!) }) as never);
    await b.close();
  }
  return stage;
}

export interface BuildOptions {
  /** From stageDeviceSources. */
  stage: string;
  /** Repository-relative manifest, e.g. examples/device/manifest.json. */
  manifest: string;
  /** mcconfig configuration (`key=value`, mc/config). */
  config?: Record<string, string | number>;
  /** Names the build directory and the copy of mc.so (unique within the work dir). */
  label: string;
  /** `-i`: a release build with XS instrumentation (Instrumentation.get works). */
  instrument?: boolean;
  timeoutMs?: number;
}

/** Build an app for lin (release, `-m`, never `-d`); the path of a private copy of its mc.so. */
export async function buildApp(sdk: ModdableSdk, options: BuildOptions): Promise<string> {
  const workDir = dirname(options.stage);
  const out = join(workDir, 'build-' + options.label);
  const variant = options.instrument ? 'instrument' : 'release';
  const lib = join('tmp/lin/mc', variant, 'lib');
  mkdirSync(out, { recursive: true });
  // The XS library does not depend on the app: copy an earlier build's objects (with their times).
  if (!existsSync(join(out, lib))) {
    const earlier = readdirSync(workDir).map((d) => join(workDir, d, lib)).find((p) => p !== join(out, lib) && existsSync(p));
    if (earlier) cpSync(earlier, join(out, lib), { recursive: true, preserveTimestamps: true });
  }
  const manifest = join(options.stage, options.manifest);
  const args = ['-m', '-p', 'lin', '-o', out, ...(options.instrument ? ['-i'] : []), manifest];
  for (const [k, v] of Object.entries(options.config ?? {})) args.push(k + '=' + v);
  const log = await run(join(sdk.bin, 'mcconfig'), args, { cwd: dirname(manifest), env: sdkEnv(sdk), timeoutMs: options.timeoutMs ?? 600000 });
  // The build output (incl. the XS linker's preload warnings: "no const", "not frozen") next to the copy.
  writeFileSync(join(workDir, options.label + '.mcconfig.log'), log);
  const built = findFile(join(out, 'bin/lin'), 'mc.so');
  if (!built) throw new Error('mcconfig left no mc.so under ' + out);
  const copy = join(workDir, options.label + '.so');
  copyFileSync(built, copy);
  return copy;
}

/** The first file called `name` below `dir` (depth first), or undefined. */
export function findFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      const f = findFile(p, name);
      if (f) return f;
    } else if (e === name) return p;
  }
  return undefined;
}

export function freeUdpPortAnyAddress(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '0.0.0.0', () => {
      const p = s.address().port;
      s.close(() => resolvePromise(p));
    });
  });
}

/** One app running in mcsim; `lines` holds its console output across restarts. */
export class McsimApp {
  readonly lines: string[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private starts = 0;

  private constructor(readonly sdk: ModdableSdk, readonly so: string, readonly workDir: string, readonly label: string) {}

  /** Start the app; resolves once mcsim runs (wait for the app's own line with waitFor). */
  static async start(sdk: ModdableSdk, so: string, options: { workDir: string; label: string }): Promise<McsimApp> {
    const app = new McsimApp(sdk, so, options.workDir, options.label);
    await app.launch();
    return app;
  }

  private async launch(): Promise<void> {
    const xdg = join(this.workDir, 'xdg-' + this.label + '-' + this.starts++);
    mkdirSync(join(xdg, 'tech.moddable.mcsim'), { recursive: true });
    const mcsim = ['stdbuf', '-oL', '-eL', join(this.sdk.bin, 'mcsim'), this.so];
    // xvfb-run -a picks the first free display from -n upwards; a random start keeps concurrent
    // starts (other tests on this machine) from racing for the same number.
    const display = 100 + Math.floor(Math.random() * 30000);
    const [cmd, ...args] = this.sdk.display === 'xvfb-run' ? ['xvfb-run', '-a', '-n', String(display), ...mcsim] : mcsim;
    const child = spawn(cmd, args, { env: sdkEnv(this.sdk, { XDG_CONFIG_HOME: xdg }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.exited = new Promise((r) => child.once('close', () => r()));
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    // mcsim is up once it shows in the process group (it loads the app right away).
    for (let i = 0; i < 200 && this.mcsimPid() === undefined; i++) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error('mcsim did not start:\n' + this.log());
      await sleep(50);
    }
    if (this.mcsimPid() === undefined) throw new Error('mcsim did not start within 10 s:\n' + this.log());
  }

  log(): string {
    return this.lines.join('\n');
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Wait until a line (from `from` on) matches; the line. */
  async waitFor(re: RegExp, timeoutMs = 20000, from = 0): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find((l) => re.test(l));
      if (hit !== undefined) return hit;
      if (!this.running) throw new Error('mcsim exited while waiting for ' + re + ':\n' + this.log());
      if (Date.now() > end) throw new Error('no line ' + re + ' within ' + timeoutMs + ' ms:\n' + this.log());
      await sleep(50);
    }
  }

  /** The pid of the mcsim process in our process group (undefined when it is not running). */
  mcsimPid(): number | undefined {
    const group = this.child?.pid;
    if (group === undefined) return undefined;
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      const stat = readStat(Number(e));
      if (stat && stat.comm === 'mcsim' && stat.fields[2] === String(group)) return Number(e);
    }
    return undefined;
  }

  /** mcsim's CPU time so far (user + system, ms), from /proc/<pid>/stat. */
  cpuTimeMs(): number {
    const pid = this.mcsimPid();
    const stat = pid === undefined ? undefined : readStat(pid);
    if (!stat) throw new Error('mcsim is not running');
    const ticks = Number(stat.fields[11]) + Number(stat.fields[12]); // utime, stime (fields 14, 15)
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  }

  /** A power cut: SIGKILL to mcsim alone (xvfb-run then stops its Xvfb and exits). */
  async powerCut(): Promise<void> {
    const pid = this.mcsimPid();
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
    await this.ended(5000);
  }

  /** Start the same app again (same mc.so, so the same configuration and flash file). */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    await this.launch();
  }

  /** End the whole process group (mcsim, Xvfb, xvfb-run): TERM, then KILL after 3 s. */
  async stop(): Promise<void> {
    if (!this.child || !this.running) return;
    signalGroup(this.child.pid!, 'SIGTERM');
    if (!(await this.ended(3000))) {
      signalGroup(this.child.pid!, 'SIGKILL');
      await this.ended(3000);
    }
  }

  private async ended(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
    clearTimeout(timer);
    if (!done && this.child?.pid) signalGroup(this.child.pid, 'SIGKILL');
    return done;
  }
}

/** Linux reports CPU times in clock ticks; USER_HZ is 100 on every Linux ABI Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** /proc/<pid>/stat: comm (field 2) and the fields after it (fields[0] is field 3, the state). */
function readStat(pid: number): { comm: string; fields: string[] } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/' + pid + '/stat', 'utf8');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  return { comm: text.slice(open + 1, close), fields: text.slice(close + 2).trim().split(' ') };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

