/**
 * Detection power (issue 21): the chance that `seeds` independent seeds find a bug that fails a
 * share `failShare` of a scenario's seeds, 1 − (1 − failShare)^seeds. The main job's default
 * seed counts are sized so a 5% bug is found with ≥ 99% probability (n ≥ 90).
 */
export const DETECTION_FAIL_SHARE = 0.05;

export function detectionPower(seeds: number, failShare = DETECTION_FAIL_SHARE): number {
  if (seeds <= 0) return 0;
  return 1 - (1 - failShare) ** seeds;
}

/** As a percentage with one decimal: "99.4%". */
export function formatPower(power: number): string {
  return `${(Math.floor(power * 1000) / 10).toFixed(1)}%`;
}
