import { Flash } from './runtime.js';
export default Flash;
