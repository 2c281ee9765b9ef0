/**
 * Plans published retained on plan/<patientId>: every patient's current plan at start, then each new version. The
 * metadata store may be changed by another process (the dashboard), so versions are polled.
 */
import type { PlanPayload } from '@hipmon/core';
import type { MetadataStore } from '../store/metadata/store.js';

export class PlanPublisher {
  private readonly published = new Map<string, number>();
  private readonly latestVersions;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly publish: (patientId: string, plan: PlanPayload) => void,
  ) {
    // One read-only query for all patients' latest versions (the store has no listing of all patients).
    this.latestVersions = metadata.db.prepare(
      'SELECT patient_id AS patientId, max(version) AS version FROM plan_versions GROUP BY patient_id',
    );
  }

  /** Publishes the plans whose latest version has not been published yet; returns how many. */
  publishChanged(): number {
    let count = 0;
    for (const { patientId, version } of this.latestVersions.all() as { patientId: string; version: number }[]) {
      if (this.published.get(patientId) === version) continue;
      const plan = this.metadata.planPayload(patientId);
      if (!plan) continue;
      this.publish(patientId, plan);
      this.published.set(patientId, plan.version);
      count++;
    }
    return count;
  }
}
