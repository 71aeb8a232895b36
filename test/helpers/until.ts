/** The poller the lab tests share with the benches (src/bench/until.ts). */
export { until } from '../../src/bench/until.js';
