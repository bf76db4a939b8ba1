/** Every reliability fuzz target, for scripts/fuzz.mjs (not a test file). */
import type { FuzzTarget } from './target.js';
import { codecTarget, oscoreOptionTarget, blockwiseTarget } from './targets-coap.js';
import { unprotectRequestTarget, unprotectResponseTarget } from './targets-oscore.js';
import { unprotectGroupRequestTarget, groupOptionTarget } from './targets-group.js';
import { edhocDecodersTarget, edhocResponderTarget, edhocInitiatorTarget } from './targets-edhoc.js';
import { loadersTarget, recordLogFlipsTarget, recordLogBurstsTarget } from './targets-storage.js';

export const ALL_TARGETS: FuzzTarget[] = [codecTarget, oscoreOptionTarget, unprotectRequestTarget, unprotectResponseTarget, groupOptionTarget, unprotectGroupRequestTarget, blockwiseTarget, loadersTarget, recordLogFlipsTarget, recordLogBurstsTarget, edhocDecodersTarget, edhocResponderTarget, edhocInitiatorTarget];
