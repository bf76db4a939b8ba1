/** Entry of the bundled CLI (dist/cli.mjs, built by bin/build-cli.mjs): runs main() on the process. */
import { main } from './main.js';
import { processIo } from './io.js';

main(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write('oscore-xs: internal error: ' + (e instanceof Error ? e.stack ?? e.message : String(e)) + '\n');
    process.exitCode = 70;
  },
);
