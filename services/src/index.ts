export * from './broker/embedded.js';
