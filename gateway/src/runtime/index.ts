export * from './live-view.js';
export * from './recording-writer.js';
export * from './gateway-session.js';
