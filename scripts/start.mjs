#!/usr/bin/env node
// `npm start`: run the example device app as a simulated ESP32 on 127.0.0.1:5683.
//   --engine xs|node   the device bundle on the XS engine (default), or the same app on Node ports
//   --state DIR        simulated flash and client credentials (default .sim)
//   --port N, --bind ADDR   where the device serves (default 5683 on 127.0.0.1)
//   --sensor-interval MS    how often the simulated thermometer is read (default 2000)
//   --no-build         reuse dist/device/sim-device-edhoc.js as it is (tests restart the device quickly)
// Builds the device bundle with rollup (rollup.config.mjs, dist/device/sim-device-edhoc.js: the example app with EDHOC) and the Node
// host with esbuild, then hands over to targets/xs-sim/simulator.ts.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { rollup } from 'rollup';
import { XSNAP_WORKER } from './xsnap-paths.mjs';

const ROOT = process.cwd();
const args = process.argv.slice(2);
function opt(name, fallback) {
  const i = args.indexOf('--' + name);
  if (i < 0) return fallback;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error('--' + name + ' needs a value');
  return v;
}
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: npm start -- [--engine xs|node] [--state DIR] [--port N] [--bind ADDR] [--sensor-interval MS] [--no-build]');
  process.exit(0);
}
const engine = opt('engine', 'xs');
if (engine !== 'xs' && engine !== 'node') throw new Error('--engine must be xs or node');
const stateDir = opt('state', '.sim');
const port = Number(opt('port', '5683'));
const address = opt('bind', '127.0.0.1');
const sensorIntervalMs = args.includes('--sensor-interval') ? Number(opt('sensor-interval')) : undefined;
const noBuild = args.includes('--no-build');

let bundle;
if (engine === 'xs') {
  if (!existsSync(XSNAP_WORKER)) execFileSync(process.execPath, [join(ROOT, 'scripts/build-xsnap.mjs')], { stdio: 'inherit' });
  const config = (await import(pathToFileURL(join(ROOT, 'rollup.config.mjs')).href)).default;
  const sim = config.find((c) => String(c.output.file).endsWith('sim-device-edhoc.js'));
  if (!noBuild || !existsSync(join(ROOT, sim.output.file))) {
    const build = await rollup({ ...sim, onwarn: () => {} });
    await build.write(sim.output);
    await build.close();
  }
  bundle = readFileSync(join(ROOT, sim.output.file), 'utf8');
}

const hostOut = join(ROOT, '.build/start/simulator.mjs');
mkdirSync(join(ROOT, '.build/start'), { recursive: true });
await esbuild.build({ entryPoints: [join(ROOT, 'targets/xs-sim/simulator.ts')], outfile: hostOut, bundle: true, format: 'esm', platform: 'node', target: 'es2022', packages: 'external', logLevel: 'error' });
const { runSimulator, usage } = await import(pathToFileURL(hostOut).href);

let sim;
try {
  sim = await runSimulator({ engine, stateDir, address, port, workerBinary: XSNAP_WORKER, bundle, sensorIntervalMs });
} catch (e) {
  const hint = e?.code === 'EADDRINUSE' ? ` (UDP ${address}:${port} is in use: stop the other server or pass --port N)` : '';
  console.error('npm start: ' + (e?.message ?? e) + hint);
  process.exit(1);
}
process.stdout.write(usage(sim, engine, stateDir));
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await sim.shutdown();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
