import { Timer } from './runtime.js';
export default Timer;
