import { UDP } from './runtime.js';
export default UDP;
