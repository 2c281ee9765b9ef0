export { freePort, freePorts, isPortAccepting, LOOPBACK } from './ports.js';
export { ServiceStartError, type ServiceLifecycle } from './local-service.js';
export {
  startMosquitto,
  mosquittoConfig,
  acceptsMqttConnection,
  MOSQUITTO_DIR_PREFIX,
  type MosquittoHandle,
  type MosquittoOptions,
} from './mosquitto.js';
export {
  startInfluxd,
  influxdConfig,
  answersPing,
  INFLUXD_DIR_PREFIX,
  type InfluxdHandle,
  type InfluxdOptions,
} from './influxd.js';
export { waitFor } from './wait.js';
