export { BlockCipher, Digest, Mode } from './runtime.js';
