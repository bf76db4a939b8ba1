/**
 * The oscore-xs library as one module for Moddable apps (`import {…} from "oscore-xs"` after
 * including the top-level manifest.json): the Moddable ports plus the core API of src/index.ts
 * (which holds no simulation tools: those are in src/sim/index.ts, re-exported on Node only). Apps that
 * bundle themselves with rollup (as examples/device does) import the pieces directly and get
 * only what they use: a ComposedEndpoint of the layers they pass (see examples/device/app.ts).
 */
export * from './index.js';
export * from '../../src/index.js';
