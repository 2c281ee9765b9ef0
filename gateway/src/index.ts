export * from './frames/frame-batcher.js';
export * from './mqtt/connect.js';
export * from './mqtt/publish.js';
export * from './ble/index.js';
export * from './outbox/index.js';
export * from './pipeline/index.js';
export * from './runtime/index.js';
