export * from './orientation-track.js';
export * from './hip-angle-tracker.js';
export * from './offline.js';
