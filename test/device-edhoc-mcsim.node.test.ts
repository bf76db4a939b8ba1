/**
 * EDHOC on the real Moddable runtime (mcsim, lin): bench/mcsim/edhoc-selftest.ts built with
 * mcconfig against the SDK's native EC and SHA-256 (targets/moddable/crypto-asymmetric.ts,
 * crypto-sha256.ts). The Responder's message_2 and the OSCORE Master Secret/Salt must equal RFC
 * 9529 trace 2; the invalid points of §4.2 must be refused; fresh handshakes must agree.
 * Skipped with the reason when no SDK is set up (test/harness/mcsim.ts).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, findModdableSdk, mcsimRequired, McsimApp, stageDeviceSources } from './harness/mcsim.js';
import { traceHex } from './edhoc-trace-fixture.js';

const found = findModdableSdk();
const skip = found.skip && !mcsimRequired() ? found.skip : false;

describe('EDHOC on Moddable (mcsim): native P-256', { skip }, () => {
  const workDir = mkdtempSync(join(tmpdir(), 'oscore-xs-edhoc-mcsim-'));
  let app: McsimApp | undefined;
  after(async () => {
    await app?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });
  it('RFC 9529 trace 2 byte-exact on the device crypto, invalid points refused, handshakes agree', { timeout: 900_000 }, async () => {
    const sdk = found.sdk!;
    const stage = await stageDeviceSources(workDir, { entries: ['bench/mcsim/edhoc-selftest.ts'], externals: ['curve', 'ecp'] });
    const so = await buildApp(sdk, { stage, manifest: 'bench/mcsim/manifest_edhoc.json', label: 'edhoc' });
    app = await McsimApp.start(sdk, so, { workDir, label: 'edhoc' });
    await app.waitFor(/edhoc (done|error)/, 300_000);
    const lines = app.lines.filter((l) => l.startsWith('edhoc '));
    assert.ok(!lines.some((l) => l.startsWith('edhoc error')), lines.join('\n'));
    assert.ok(lines.includes('edhoc message_2 ' + traceHex(2, 'message_2', 'message_2')), lines.join('\n'));
    assert.ok(lines.includes('edhoc oscore ' + traceHex(2, 'OSCORE Parameters', 'OSCORE Master Secret (Raw') + ' ' + traceHex(2, 'OSCORE Parameters', 'OSCORE Master Salt (Raw')), lines.join('\n'));
    assert.ok(lines.includes('edhoc invalid-point refused 2'), lines.join('\n'));
    const timing = lines.find((l) => l.startsWith('edhoc handshake'));
    assert.ok(timing, lines.join('\n'));
    console.log('# mcsim: ' + timing);
  });
});
