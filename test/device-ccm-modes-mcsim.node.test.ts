/**
 * CCM through `crypt`'s native modes on the real Moddable runtime (issue 17.3): bench/mcsim/ccm-modes.ts
 * built with `mcconfig -m -p lin` and run in mcsim checks, on the device's own AES and Mode, that
 * src/crypto/ccm.ts gives the RFC 3610 packet vectors byte for byte with CTR and CBC-MAC in native
 * code and with block calls only, refuses a tampered tag on both paths, and that the two paths
 * agree (and open each other's output) for messages of 0..99 bytes with AAD of several lengths.
 * Without an SDK the suite is skipped with the reason.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, findModdableSdk, mcsimRequired, McsimApp, stageDeviceSources } from './harness/mcsim.js';

const found = findModdableSdk();
const skip = found.skip && !mcsimRequired() ? found.skip : false;

describe('CCM on the Moddable runtime with native CTR and CBC-MAC (mcsim, lin)', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'oscore-xs-ccm-modes-'));
  let app: McsimApp | undefined;
  let line = '';
  before(async () => {
    assert.ok(found.sdk, String(found.skip));
    const stage = await stageDeviceSources(work, { entries: ['bench/mcsim/ccm-modes.ts'] });
    const so = await buildApp(found.sdk, { stage, manifest: 'bench/mcsim/manifest_ccm.json', label: 'ccm', config: { oscore_flash: join(work, 'ccm.flash') } });
    app = await McsimApp.start(found.sdk, so, { workDir: work, label: 'ccm' });
    line = await app.waitFor(/^ccm-vectors /, 60000);
  });
  after(async () => {
    await app?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('gives the RFC 3610 vectors and agrees with the block path for every length, on the real crypt module', () => {
    assert.match(line, /^ccm-vectors ok vectors=24 lengths=400 mode-keys=24$/, line);
  });
});
