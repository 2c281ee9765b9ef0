export * from './frames/frame-batcher.js';
export * from './mqtt/connect.js';
export * from './mqtt/publish.js';
