export * from './virtual-device.js';
export * from './virtual-adapter.js';
export * from './hipmon-device.js';
export * from './witmotion-device.js';
export * from './dot-device.js';
export * from './simulated-sensors.js';
