export * from './types.js';
export * from './anthropometry.js';
export * from './profiles.js';
export * from './chain.js';
export * from './exercise-models.js';
export * from './schedule.js';
export * from './rep-truth.js';
export * from './motion-script.js';
