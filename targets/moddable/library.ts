/**
 * The oscore-xs library as one module for Moddable apps (`import {…} from "oscore-xs"` after
 * including the top-level manifest.json): the platform-free API plus the Moddable ports.
 * Apps that bundle themselves with rollup (as examples/device does) import the pieces directly
 * and get only what they use.
 */
export * from './index.js';
