// Where the XS engine binaries built from @agoric/xsnap's sources live.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
const require = createRequire(import.meta.url);
export const XSNAP_PKG = dirname(require.resolve('@agoric/xsnap/package.json'));
/** The plain xsnap CLI: runs scripts, has print(), resetMeter(), setImmediate(). */
export const XSNAP_CLI = join(XSNAP_PKG, 'moddable/build/bin/lin/release/xsnap');
/** The worker: talks to a Node host over fds 3/4 (issueCommand / handleCommand). */
export const XSNAP_WORKER = join(XSNAP_PKG, 'xsnap-native/xsnap/build/bin/lin/release/xsnap-worker');
