export * from './alignment.js';
export * from './static.js';
export * from './stillness.js';
export * from './primary-axis.js';
export * from './functional.js';
export { SmallKalman } from './small-kalman.js';
