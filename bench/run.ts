/**
 * `npm run bench`: every benchmark of the project, one after the other, printed as tables.
 * `npm run bench -- broad` runs only the named ones.
 */
export {}; // a module: top-level await

interface Benchmark {
  name: string;
  summary: string;
  run(): Promise<string>;
}

const BENCHMARKS: Benchmark[] = [
  {
    name: 'broad',
    summary: 'orientation filter on the BROAD trials (optical ground truth), ours vs Madgwick',
    async run() {
      const { runBroadBenchmark, formatBroadReport } = await import('./broad.js');
      return formatBroadReport(runBroadBenchmark());
    },
  },
  {
    name: 'angles',
    summary: 'calibration + ISB hip angles over the simulated scenario matrix (IMU level), RMSE per plane',
    async run() {
      const { runAnglesBenchmark, formatAnglesReport } = await import('./angles.js');
      return formatAnglesReport(runAnglesBenchmark());
    },
  },
  {
    name: 'reps',
    summary: 'repetition and hold detection over a simulated scenario matrix (angle level)',
    async run() {
      const { runRepsBenchmark, formatRepsReport } = await import('./reps.js');
      return formatRepsReport(runRepsBenchmark());
    },
  },
  {
    name: 'pipeline',
    summary: 'end to end (simulated IMU → tracker → reps + precautions): accuracy matrix and chain throughput',
    async run() {
      const { runPipelineBenchmark, formatPipelineReport } = await import('./pipeline.js');
      return formatPipelineReport(runPipelineBenchmark());
    },
  },
  {
    name: 'live',
    summary: 'one worker live: Mosquitto ceiling, sessions ramp with the InfluxDB store (zero loss, latency, CPU)',
    async run() {
      const { runLiveBenchmark, formatLiveReport } = await import('./live.js');
      return formatLiveReport(await runLiveBenchmark({ log: (line) => process.stderr.write(`${line}\n`) }));
    },
  },
  {
    name: 'gateway',
    summary: 'gateway CPU and memory streaming 2 and 6 simulated BLE sensors (noble, outbox, MQTT)',
    async run() {
      const { runGatewayBenchmark, formatGatewayReport } = await import('./gateway.js');
      return formatGatewayReport(await runGatewayBenchmark());
    },
  },
  {
    name: 'dashboard',
    summary:
      'dashboard with 50 live sessions: page load to first chart paint, live chart paints per second, frame published → first paint showing it',
    async run() {
      const { runDashboardBenchmark, formatDashboardReport } = await import('./dashboard.js');
      return formatDashboardReport(await runDashboardBenchmark({ log: (line) => process.stderr.write(`${line}\n`) }));
    },
  },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !BENCHMARKS.some((b) => b.name === name));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}\n`,
  );
  process.exit(2);
}
for (const bench of BENCHMARKS.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
  process.stdout.write(`\n## ${bench.name}: ${bench.summary}\n\n`);
  const started = performance.now();
  process.stdout.write((await bench.run()) + '\n');
  process.stdout.write(`(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
