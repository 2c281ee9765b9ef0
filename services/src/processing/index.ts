export * from './reorder-buffer.js';
export * from './plan-settings.js';
export * from './session-summary.js';
export * from './session-pipeline.js';
export * from './session-recovery.js';
export * from './partition.js';
export * from './service.js';
