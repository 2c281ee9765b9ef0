export { buildDashboardServer, NotVisibleError } from './server/app.js';
export type { DashboardServerOptions, DashboardContext } from './server/app.js';
export { hashPassword, verifyLogin, SESSION_COOKIE } from './server/auth.js';
export { LiveBridge } from './server/live-bridge.js';
export type { LiveMessage, LiveKind } from './server/live-bridge.js';
export {
  repsCsv,
  sessionReportHtml,
  sessionFhirBundle,
  REPS_CSV_HEADER,
  HIPMON_CODE_SYSTEM,
} from './server/exports.js';
export { loadSessionDetail } from './server/session-detail.js';
export type { SessionDetail, RepRow } from './server/session-detail.js';
export { ensureWebBuild, WEB_DIST } from './server/web-build.js';
export { runDashboard } from './server/run.js';
export { PLAYOUT_DELAY_S } from './charts/playout-clock.js';
export type { RunDashboardOptions, RunningDashboard } from './server/run.js';
