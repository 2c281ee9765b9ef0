export * from './options.js';
export * from './orientationFilter.js';
export * from './series.js';
export * from './madgwick.js';
export * from './scoring.js';
export { ButterworthLowPass, firstOrderGain } from './lowpass.js';
export * from './timed.js';
