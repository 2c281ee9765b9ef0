export * from './broker/embedded.js';
export * from './ingest/stream-accounting.js';
export * from './ingest/frame-ingest.js';
