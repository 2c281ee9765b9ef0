/**
 * The metadata store: one SQLite file holding users, patients, plans, gateways, sessions and alerts, opened with
 * its migrations applied. The functions of each part are merged into one flat object, so callers write
 * `store.currentPlan(id)`; every function is a plain closure (no `this`), safe to pass around on its own.
 */
import { openDatabase } from './database.js';
import type { OpenDatabaseOptions } from './database.js';
import { createAlertStore } from './alerts.js';
import { createGatewayStore } from './gateways.js';
import { createPlanStore } from './plans.js';
import { createDashboardQueries } from './queries.js';
import { createSessionStore } from './sessions.js';
import { metadataSchemaVersion } from './migrations.js';
import { createUserStore } from './users.js';

export type OpenMetadataStoreOptions = OpenDatabaseOptions;

export function openMetadataStore(options: OpenMetadataStoreOptions) {
  const context = openDatabase(options);
  const users = createUserStore(context);
  const plans = createPlanStore(context, users);
  const gateways = createGatewayStore(context, users);
  const sessions = createSessionStore(context, users, plans);
  const alerts = createAlertStore(context, users, sessions);
  const dashboard = createDashboardQueries(context, users, plans, sessions);
  return {
    ...users,
    ...plans,
    ...gateways,
    ...sessions,
    ...alerts,
    ...dashboard,
    schemaVersion: () => metadataSchemaVersion(context.db),
    /** The underlying connection, for backups (`db.backup(file)`) and tests; not for ad-hoc queries. */
    db: context.db,
    close: () => context.db.close(),
  };
}

export type MetadataStore = ReturnType<typeof openMetadataStore>;
