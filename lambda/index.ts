/**
 * The library: one class to run the job, the types of its report, and its named errors. The package's entry
 * (`exports` in package.json): `scripts/build-lib.ts` bundles it into `dist/lib/` with its declarations, and
 * `test/db/library-packed.test.ts` imports it from the packed tarball as a user's project does.
 */
export type { ObjectNames, ReconcileOptions } from "./config.js";
export { DEFAULT_GAP_STATUSES, DEFAULT_OBJECTS } from "./config.js";
export type * from "./core/types.js";
export * from "./errors.js";
export type { ObjectNameOverrides, RunParameters, RunParametersInput } from "./params.js";
export { parseRunParameters } from "./params.js";
export {
  ReconcileCabinetClaims14d,
  type RunLogger,
  type RunOptions,
  type UndoOptions,
  type UndoReport,
} from "./reconcile.js";
export { csvSink } from "./report/csv-sink.js";
export { fileSink } from "./report/file-sink.js";
export { jsonSink } from "./report/json-sink.js";
