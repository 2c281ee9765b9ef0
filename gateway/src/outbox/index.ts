export * from './segment-outbox.js';
export * from './forwarder.js';
