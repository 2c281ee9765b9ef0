/**
 * Partitioning by patient: worker `index` of `count` handles the patients whose id hashes to it (FNV-1a, 32 bit).
 * Every worker subscribes to all topics and drops the other patients' messages, so each patient's topics stay on one
 * worker, which the per-session state requires (an MQTT 5 $share group balances per message, not per patient).
 */
export interface Partition {
  index: number;
  count: number;
}

export function patientHash(patientId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < patientId.length; i++) {
    h ^= patientId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export const inPartition = (patientId: string, partition: Partition): boolean =>
  patientHash(patientId) % partition.count === partition.index;
