export * from './types.js';
export * from './options.js';
export * from './minimum-jerk.js';
export * from './movement-detector.js';
export { RepDetector } from './rep-detector.js';
export { HoldDetector } from './hold-detector.js';
