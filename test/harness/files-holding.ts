/** For the "no secret anywhere but where it belongs" checks of the device-image suites. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Files under `root` holding `hex` (lowercase) as text (either case) or as raw bytes, relative to
 * root and sorted. Entries that vanish or are not regular files (build trees hold links) are skipped.
 */
export function filesHolding(root: string, hex: string): string[] {
  const raw = Buffer.from(hex, 'hex');
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const b = readFileSync(p);
        if (b.includes(raw) || b.toString('latin1').toLowerCase().includes(hex)) out.push(p.slice(root.length + 1));
      }
    }
  };
  walk(root);
  return out.sort();
}
