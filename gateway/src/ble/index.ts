export * from './driver.js';
export * from './hipmon-profile.js';
export * from './witmotion.js';
export * from './movella-dot.js';
export * from './clock-mapper.js';
export * from './sensor-drivers.js';
export * from './sensor-config.js';
export * from './noble-adapter.js';
