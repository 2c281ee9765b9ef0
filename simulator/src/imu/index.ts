export * from './synthesize.js';
export * from './errors.js';
export * from './record.js';
