import type { RunParameters } from "../../lambda/params.js";

/**
 * The original runbook's defaults, written out (not read from the code under test): what an empty event,
 * an empty CLI and `{}` must all come to.
 */
export const RUNBOOK_DEFAULTS: Readonly<RunParameters> = {
  daysBack: 21,
  limit: 1000,
  onlyGaps: false,
  dryRun: false,
  onlyMilestone: null,
  weekStart: null,
  forceRefresh: false,
  refreshDependents: true,
  asOf: null,
  recordClaims: false,
  claimsLedger: null,
  maxRecord: 1000,
};
