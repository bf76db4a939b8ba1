export { BlockCipher, Digest } from './runtime.js';
