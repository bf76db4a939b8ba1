/**
 * oscore-xs as an npm package of a Moddable app: test/fixtures/mcpack-app (package.json with
 * `"dependencies": {"oscore-xs": "file:…"}`, `import {…} from "oscore-xs"`) is built with the
 * SDK's `mcpack mcconfig -m -p lin` and run in mcsim (test/harness/mcsim.ts). mcpack resolves
 * "oscore-xs" through the package's "moddable" export condition (dist/device/oscore-xs.js, the
 * library with the native `crypt` AES/SHA-256), includes the package's manifest.json (the io
 * manifest, crypt, rng, the per-platform `oscore-xs/platform`) and the app serves an OSCORE-protected
 * resource with the context of a device image. Skipped with the reason without an SDK.
 *
 * Set-up notes: npm links a `file:` dependency as a symlink, which the test makes itself
 * (node_modules/oscore-xs → a staged copy of the package with fresh rollup bundles). mcpack writes
 * its generated manifest under $MODDABLE/build/tmp whatever `-o` says, so it runs on a private
 * overlay of the SDK (symlinks, its own build/tmp); mcpack also reads every module manifest of the
 * SDK, and where the SDK copy leaves out example manifests that those include (the trimmed SDK of
 * this project's machines) the overlay has empty stand-ins for them.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ContextDirectory, securityContextParams } from '../targets/node/context-dir.js';
import { openNodeEndpoint } from '../targets/node/coap.js';
import { nodeClock, nodeRandom } from '../targets/node/ports.js';
import { oscoreLayer } from '../src/coap/oscore-layer.js';
import { SecurityContext } from '../src/oscore/context.js';
import { Code } from '../src/coap/numbers.js';
import { utf8Decode } from '../src/bytes.js';
import { run } from './cli-harness.js';
import { findFile, findModdableSdk, freeUdpPortAnyAddress, mcsimRequired, McsimApp, stageDeviceSources, type ModdableSdk } from './harness/mcsim.js';

const found = findModdableSdk();
const skip = found.skip && !mcsimRequired() ? found.skip : false;

/** Example manifests that the SDK's module manifests include but this SDK copy lacks. */
function missingExampleManifests(root: string): string[] {
  const missing = new Set<string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/^manifest.*\.json$/.test(name)) {
        for (const m of readFileSync(p, 'utf8').matchAll(/\$\(MODDABLE\)\/(examples\/[^"]+\.json)/g)) {
          const rel = m[1].replace(/\/+/g, '/');
          if (!existsSync(join(root, rel))) missing.add(rel);
        }
      }
    }
  };
  walk(join(root, 'modules'));
  return [...missing].sort();
}

/** A private overlay of the SDK: everything linked, its own build/tmp, stand-ins for missing example manifests. */
function overlaySdk(sdk: ModdableSdk, dir: string): string {
  const root = join(dir, 'moddable');
  mkdirSync(join(root, 'build/tmp'), { recursive: true });
  mkdirSync(join(root, 'examples'), { recursive: true });
  for (const e of readdirSync(sdk.root)) if (e !== 'build' && e !== 'examples') symlinkSync(join(sdk.root, e), join(root, e));
  for (const e of readdirSync(join(sdk.root, 'build'))) if (e !== 'tmp') symlinkSync(join(sdk.root, 'build', e), join(root, 'build', e));
  for (const e of readdirSync(join(sdk.root, 'examples'))) symlinkSync(join(sdk.root, 'examples', e), join(root, 'examples', e));
  for (const rel of missingExampleManifests(sdk.root)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), '{}\n');
  }
  return root;
}

function runTool(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(cmd + ' ' + args.join(' ') + ' failed (' + code + '):\n' + out.slice(-4000)));
    });
  });
}


describe('a Moddable app using oscore-xs from npm (mcpack, mcsim)', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'oscore-xs-mcpack-'));
  let app: McsimApp | undefined;
  let port = 0;
  let buildLog = '';
  let generated: { include: string[]; modules: Record<string, string> } = { include: [], modules: {} };

  before(async () => {
    const sdk = found.sdk!;
    const stage = await stageDeviceSources(work);
    copyFileSync('package.json', join(stage, 'package.json'));
    const appDir = join(work, 'app');
    cpSync('test/fixtures/mcpack-app', appDir, { recursive: true });
    mkdirSync(join(appDir, 'node_modules'));
    symlinkSync(stage, join(appDir, 'node_modules/oscore-xs'));
    const made = await run(['context', 'new', '--sender-id', '01', '--recipient-id', '02', '--device-image', join(work, 'dev.bin'), join(work, 'client-ctx')]);
    assert.equal(made.code, 0, made.stderr);
    copyFileSync(join(work, 'dev.bin'), join(work, 'app.flash'));
    rmSync(join(work, 'dev.bin'));
    port = await freeUdpPortAnyAddress();
    const moddable = overlaySdk(sdk, work);
    const out = join(work, 'out');
    mkdirSync(out);
    const env = { ...process.env, MODDABLE: moddable, PATH: join(moddable, 'build/bin/lin/release') + ':' + (process.env.PATH ?? '') };
    buildLog = await runTool('mcpack', ['mcconfig', '-m', '-p', 'lin', '-o', out, 'oscore_port=' + port, 'oscore_flash=' + join(work, 'app.flash')], appDir, env, 900000);
    generated = JSON.parse(readFileSync(join(moddable, 'build/tmp/oscore-xs-mcpack-app/manifest.json'), 'utf8'));
    const so = findFile(join(out, 'bin/lin'), 'mc.so');
    assert.ok(so, 'mcpack mcconfig built an mc.so:\n' + buildLog.slice(-2000));
    copyFileSync(so, join(work, 'app.so'));
    app = await McsimApp.start(sdk, join(work, 'app.so'), { workDir: work, label: 'mcpack' });
    await app.waitFor(/^mcpack app /, 30000);
  });
  after(async () => {
    await app?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('mcpack resolves "oscore-xs" by its "moddable" export and includes the package manifest', () => {
    assert.ok(generated.include.some((i) => i.endsWith('node_modules/oscore-xs/manifest.json')), JSON.stringify(generated));
    assert.ok(Object.values(generated.modules).some((m) => m.endsWith('node_modules/oscore-xs/dist/device/oscore-xs.js')), JSON.stringify(generated));
    for (const module of ['crypt.xsb', 'rng.xsb', 'oscore-xs/platform.xsb', 'io/socket/udp.xsb']) assert.ok(buildLog.includes(module), module + ' compiled:\n' + buildLog.slice(-3000));
  });

  it('boots in mcsim and serves an OSCORE-protected request with the context of its device image', async () => {
    assert.match(app!.log(), /^mcpack app on lin: serving \/hello with 1 OSCORE context\(s\)$/m);
    const dir = await ContextDirectory.open(join(work, 'client-ctx'));
    const ctx = new SecurityContext(securityContextParams(dir.config), { store: dir });
    const { endpoint } = await openNodeEndpoint({ host: '127.0.0.1', port: 0, oscore: oscoreLayer({ contextFor: () => ctx, clock: nodeClock, random: nodeRandom }) });
    const plain = await openNodeEndpoint({ host: '127.0.0.1', port: 0 });
    try {
      const r = await endpoint.request({ uri: 'coap://127.0.0.1:' + port + '/hello' });
      assert.equal(r.code, Code.CONTENT);
      assert.equal(utf8Decode(r.payload), 'hello from an mcpack app');
      assert.equal((await plain.endpoint.request({ uri: 'coap://127.0.0.1:' + port + '/hello' })).code, Code.UNAUTHORIZED);
    } finally {
      endpoint.close();
      plain.endpoint.close();
      ctx.close();
      await dir.release();
    }
  });
});
