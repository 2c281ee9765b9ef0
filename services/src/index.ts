export * from './broker/embedded.js';
export * from './ingest/stream-accounting.js';
export * from './ingest/frame-ingest.js';
export * from './store/metadata/index.js';
export * from './store/series/index.js';
export * from './processing/index.js';
