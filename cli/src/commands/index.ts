// One line per command; the module is imported only when the command runs.
import { registerCommand } from '../main.js';

registerCommand('simulate', 'virtual patient → recording + truth', async () => (await import('./simulate.js')).command);
registerCommand(
  'fuse',
  'one sensor IMU CSV → orientation quaternions',
  async () => (await import('./fuse.js')).command,
);
registerCommand(
  'start',
  'run the whole pipeline locally with simulated patients',
  async () => (await import('./start.js')).command,
);
registerCommand(
  'analyze',
  'recording → hip angles, repetitions and holds',
  async () => (await import('./analyze.js')).command,
);
registerCommand('serve', 'run the processing service', async () => (await import('./serve.js')).command);
registerCommand('dashboard', 'run the therapist dashboard', async () => (await import('./dashboard.js')).command);
registerCommand('gateway', 'BLE sensors → MQTT with a live view', async () => (await import('./gateway.js')).command);
