import { config } from './runtime.js';
export default config;
