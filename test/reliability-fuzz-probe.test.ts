import { describe, it } from 'node:test';
import { runTarget } from './fuzz/target.js';
import { loadersTarget, recordLogTarget } from './fuzz/targets-storage.js';
describe('probe', () => {
  for (const t of [loadersTarget, recordLogTarget])
    it(t.name, () => { const c = runTarget(t, 1, 3000); console.log(t.name, JSON.stringify(c)); });
});
