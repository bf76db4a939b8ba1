// The device bundles (ESM for mcconfig, IIFE for the XS simulator): TypeScript is stripped by
// esbuild's transform (no type-check here: `npm run typecheck:moddable` does that), modules are
// tree-shaken by rollup and minified by terser. No Node code may reach these bundles: a `node:*`
// import fails the build. Moddable's own modules stay external (mcconfig links them), and in the
// Moddable builds src/crypto/{aes,hkdf}.ts are swapped for the `crypt`-backed modules of
// targets/moddable, so no JavaScript AES or SHA-256 reaches the firmware.
//
// Outputs (dist/device/):
//   platform-esp32.js, platform-lin.js  `oscore-xs/platform` per platform (manifest.json "platforms")
//   oscore-xs.js                        the library for Moddable apps (targets/moddable/library.ts)
//   example-server.js (+ -lib.js)       examples/device (moddable/main.ts): /temperature + /led over OSCORE; -lib is preloaded
//   example-client.js (+ -lib.js)       examples/device (moddable/client-main.ts): a client-only app; -lib is preloaded
//   sim-device.js                       the example server on the XS simulator's ports (IIFE for xsnap)
//   sim-device-edhoc.js                 the same with EDHOC (examples/device/edhoc.ts): what npm start runs
//   sim-device-group.js                 the same as a Group OSCORE member (examples/device/group.ts)
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { transform } from 'esbuild';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { privateNameTable, terserPropertyMangling, assertChunkFreeOfShortNames } from './scripts/private-names.mjs';

/** Moddable runtime modules (and our per-platform module): resolved by mcconfig, not bundled. */
const MODDABLE_EXTERNALS = ['mc/config', 'flash', 'file', 'timer', 'time', 'rng', 'crypt', 'curve', 'ecp', 'embedded:io/socket/udp', 'moddable:oscore-xs/platform'];

/**
 * On Moddable the SDK's native AES and SHA-256 (`crypt`) replace @noble: these modules stand in
 * for the src/crypto modules of the same shape (checked by targets/moddable/platform-check.ts).
 */
const MODDABLE_CRYPTO = {
  [resolve('src/crypto/aes-noble.ts')]: resolve('targets/moddable/crypto-aes.ts'),
  [resolve('src/crypto/hkdf.ts')]: resolve('targets/moddable/crypto-hkdf.ts'),
  [resolve('src/crypto/sha256.ts')]: resolve('targets/moddable/crypto-sha256.ts'),
  [resolve('src/crypto/asymmetric-noble.ts')]: resolve('targets/moddable/crypto-asymmetric.ts'),
};

/** `./x.js` written in TypeScript sources means `./x.ts`; strip the types with esbuild. */
function typescript(substitute = {}) {
  return {
    name: 'typescript-strip',
    resolveId(source, importer) {
      if (source.startsWith('node:')) this.error('Node module ' + source + ' imported by ' + importer + ': not allowed in a device bundle');
      if (!importer || !source.startsWith('.') || !source.endsWith('.js')) return null;
      const ts = resolve(dirname(importer), source.slice(0, -3) + '.ts');
      if (substitute[ts] && importer !== substitute[ts]) return substitute[ts];
      return existsSync(ts) ? ts : null;
    },
    async transform(code, id) {
      // XS mis-handles a class with instance fields constructed in its own static field initialiser
      // (@noble/curves' `static BASE = new Point(…)`: "get ?: not initialized yet"); lower class fields.
      if (id.includes('/node_modules/@noble/curves/')) {
        const r = await transform(code, { loader: 'js', target: 'es2022', format: 'esm', sourcefile: id, supported: { 'class-field': false, 'class-static-field': false } });
        return { code: r.code, map: null };
      }
      if (!id.endsWith('.ts')) return null;
      // Class fields as constructor assignments (TypeScript's useDefineForClassFields: false): no
      // `port;clock;…` declarations in the bundle (−1.3 % gzip). The one hazard of assigning
      // instead of defining, a field shadowing a read-only inherited property of Moddable's
      // frozen built-ins, is covered: test/device-moddable.node.test.ts runs the build with the
      // built-in prototypes frozen.
      const r = await transform(code, { loader: 'ts', target: 'es2022', format: 'esm', sourcefile: id, tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } } });
      return { code: r.code, map: null };
    },
  };
}

const TERSER = { ecma: 2020, module: true, compress: { passes: 2, pure_getters: true }, format: { comments: false } };

/**
 * terser, plus (for the Moddable builds: the example apps, the platform modules and oscore-xs.js,
 * which mcconfig links together) the private member names shortened, by one table for all of them
 * (scripts/private-names.mjs: names the TypeScript checker finds used only through their class).
 * The table is made when a bundle is first minified, not when this config is loaded (the
 * unminified builds the tests inspect do not need it), and kept in .build/ until a source changes.
 * Before minifying, each chunk is checked to hold none of the short names already (a clash would
 * merge two properties): the build fails if one does. The xsnap simulator bundles (sim-device*.js,
 * what npm start runs) are minified without it: they are not shipped, and npm start should not
 * wait for the type checker.
 */
let nameTable;
function minify(mangle) {
  if (!mangle) return terser(TERSER);
  return {
    name: 'terser',
    async renderChunk(code, chunk, outputOptions, meta) {
      nameTable ??= privateNameTable(process.cwd());
      const names = await nameTable;
      const clash = assertChunkFreeOfShortNames(code, names);
      if (clash) this.error(chunk.fileName + ': ' + clash);
      // A fresh terser per chunk: the plugin would carry one chunk's top-level variable names
      // (nameCache.vars) into the next, which then avoids them (2-letter names in the boot module).
      return terser({ ...TERSER, ...terserPropertyMangling(names) }).renderChunk.call(this, code, chunk, outputOptions, meta);
    },
  };
}

const plugins = (substitute, mangle = false) => [
  typescript(substitute),
  nodeResolve({ extensions: ['.ts', '.js', '.mjs'], exportConditions: ['import', 'default'], browser: false, preferBuiltins: false }),
  minify(mangle),
];

/** Re-exported names an entry does not use (e.g. platformName in the client app) are fine. */
const onwarn = (w, warn) => {
  if (w.code !== 'UNUSED_EXTERNAL_IMPORT') warn(w);
};

/** @noble's modules have no side effects on import: rollup may drop what an entry does not use. */
const treeshake = { moduleSideEffects: (id) => !id.includes('/node_modules/@noble/') };

const esm = (input, file) => ({
  input,
  onwarn,
  external: MODDABLE_EXTERNALS,
  treeshake,
  plugins: plugins(MODDABLE_CRYPTO, true),
  output: { file: 'dist/device/' + file, format: 'es' },
});

/**
 * An example app as two modules: its boot module (`main`, examples/device/moddable/*: it binds
 * the ports and starts the app at boot, so it cannot be preloaded) and everything else it uses
 * (`<name>-lib`: the library tree-shaken to what the app imports, plus the platform-free app),
 * which the example manifests preload into flash on Moddable (issue 16: no mutable module state).
 * The boot module imports it as `./<name>-lib.js` (XS resolves that next to `main`).
 */
const app = (input, name) => ({
  ...esm(input, name + '.js'),
  output: {
    dir: 'dist/device',
    format: 'es',
    entryFileNames: name + '.js',
    chunkFileNames: '[name].js',
    // The lib chunk imports the Moddable modules it uses itself: the boot module needs no
    // `import"time";import"crypt";…` copies of them (rollup's default hoists them; −32/−50 B gzip).
    hoistTransitiveImports: false,
    manualChunks: (id) => (id.includes('/examples/device/moddable/') ? undefined : name + '-lib'),
  },
});

const entries = [
  esm('targets/moddable/platform-esp32.ts', 'platform-esp32.js'),
  esm('targets/moddable/platform-lin.ts', 'platform-lin.js'),
  esm('targets/moddable/library.ts', 'oscore-xs.js'),
];
if (existsSync('examples/device/moddable/main.ts')) entries.push(app('examples/device/moddable/main.ts', 'example-server'));
if (existsSync('examples/device/moddable/client-main.ts')) entries.push(app('examples/device/moddable/client-main.ts', 'example-client'));
/** A simulator bundle (IIFE for xsnap, @noble in JavaScript, no Moddable externals). */
const simulator = (input, file) => ({ input, onwarn, treeshake, plugins: plugins(), output: { file: 'dist/device/' + file, format: 'iife' } });
if (existsSync('targets/xs-sim/device-main.ts')) entries.push(simulator('targets/xs-sim/device-main.ts', 'sim-device.js'));
// npm start's device: the example app with EDHOC (a separate bundle: the OSCORE-only ones stay as they are).
if (existsSync('targets/xs-sim/device-main-edhoc.ts')) entries.push(simulator('targets/xs-sim/device-main-edhoc.ts', 'sim-device-edhoc.js'));
// The example app as a Group OSCORE member (a separate bundle: the OSCORE-only ones stay as they are).
if (existsSync('targets/xs-sim/device-main-group.ts')) entries.push(simulator('targets/xs-sim/device-main-group.ts', 'sim-device-group.js'));
export default entries;
