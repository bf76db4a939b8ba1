import { RNG } from './runtime.js';
export default RNG;
