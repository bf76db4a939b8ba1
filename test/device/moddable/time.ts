import { Time } from './runtime.js';
export default Time;
