/**
 * Power-cut injection over a device workload (RFC 8613 App. B.1): every byte position of every
 * record write and every erase of a 10,000-operation run (XS: 2,500 operations, every 16th erase
 * byte) is cut on a copy of the flash, recovered and checked: no sequence number ever reused, no
 * replay accepted, the replay window 'unknown' after a cut and exact after a clean close, and the
 * recovered log keeps working. Cuts during recovery itself are explored on a shorter run; the
 * bench (`npm run bench -- persist`) runs that one at every byte too.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runWorkload } from './persist-workload.js';

// XS interprets about 10× slower than Node: it runs the same checks on a shorter run.
const onXs = process.env.XS === '1';

describe('power cuts (App. B.1)', () => {
  it('10,000 operations (XS: 2,500), a cut at every byte of every write and erase: nothing reused, nothing replayed', () => {
    const ops = onXs ? 2500 : 10000;
    const r = runWorkload({ ops, seed: 1, sectors: 2, blockSize: 512, contexts: 2, writeStride: 1, eraseStride: onXs ? 16 : 1, depth: 1, mainCutRate: 0, closeEvery: 600, crashShare: 0.3 });
    assert.equal(r.ops, ops);
    assert.ok(r.cutPointsChecked > ops / 4, 'cut points ' + r.cutPointsChecked);
    assert.ok(r.cleanCloses > 2 && r.crashes > 0, JSON.stringify(r));
    assert.ok(r.flashErases > 3, 'the run rotated sectors: ' + r.flashErases);
    // Lost at most one reservation chunk: aiocoap's rule restarts at 10 per boot and doubles.
    assert.ok(r.maxLost <= 10000, 'lost ' + r.maxLost);
  });

  it('cuts during recovery itself (depth 2) on a short run with 3 sectors', () => {
    const r = onXs
      ? runWorkload({ ops: 80, seed: 2, sectors: 3, blockSize: 256, contexts: 2, writeStride: 9, eraseStride: 128, depth: 2, mainCutRate: 0, closeEvery: 20, crashShare: 0.5 })
      : runWorkload({ ops: 300, seed: 2, sectors: 3, blockSize: 256, contexts: 2, writeStride: 3, eraseStride: 97, depth: 2, mainCutRate: 0, closeEvery: 40, crashShare: 0.5 });
    assert.ok(r.cutPointsChecked > 500, 'cut points ' + r.cutPointsChecked);
    assert.ok(r.flashErases > 0);
  });

  it('random real cuts in a long run (also during boot recovery), continuing from each torn state', () => {
    const r = runWorkload({ ops: onXs ? 10000 : 20000, seed: 3, sectors: 2, blockSize: 512, contexts: 3, writeStride: 1, eraseStride: 1, depth: 0, mainCutRate: 0.02, closeEvery: 300, crashShare: 0.2 });
    assert.ok(r.mainCuts > 40, JSON.stringify(r));
    assert.ok(r.replaysRejected > 1000);
  });
});
