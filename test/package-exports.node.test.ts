/**
 * The Node package's entry point (package.json "exports" → targets/node/index.ts) offers each
 * protocol a user of the library reaches for: OSCORE, EDHOC with its CoAP layers, Group OSCORE,
 * device images. A name dropped from the entry point is a broken API for every user of the package.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as pkg from '../targets/node/index.js';

const EXPECTED = [
  // OSCORE and CoAP
  'SecurityContext', 'oscoreLayer', 'contextLookup', 'openNodeEndpoint', 'Endpoint',
  // EDHOC (RFC 9528) and over CoAP (App. A.2, RFC 9668)
  'EdhocInitiator', 'EdhocResponder', 'EdhocError', 'ccsCredential', 'EdhocResponderService', 'edhocResource', 'edhocOscoreServerLayer', 'edhocClientLayer',
  // Group OSCORE (RFC 10021)
  'groupOscoreLayer', 'collectAnswers', 'openGroupDirectory',
  // Credentials files, device images
  'readCredentialsFile', 'buildDeviceImage', 'parsePartitionTable',
];

describe('package entry point', () => {
  it('exports the API of each protocol', () => {
    const missing = EXPECTED.filter((name) => typeof (pkg as Record<string, unknown>)[name] !== 'function');
    assert.deepEqual(missing, []);
  });
});
