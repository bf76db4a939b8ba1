/**
 * fast-check, loadable on XS too. fast-check reads `setTimeout`/`clearTimeout` when its module is
 * evaluated (it only calls them for time-limited runs, which these tests never ask for); XS has no
 * timers, so stand-ins that refuse to run are installed first. Import fast-check only from here.
 */
import './xs-timer-stubs.js';
import fc from 'fast-check';
export { fc };
export default fc;
