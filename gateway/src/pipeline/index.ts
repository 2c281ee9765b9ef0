export * from './sample-publisher.js';
