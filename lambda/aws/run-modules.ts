/**
 * What a run needs beyond the configuration and the event: the reconcile core, pg, the secret and the S3
 * client. The handler loads this module with a dynamic `import()` on its first run, so none of it is
 * evaluated at cold start; named re-exports (not `import("@aws-sdk/client-s3")` itself) keep the bundle
 * tree-shaken.
 */
export { S3Client } from "@aws-sdk/client-s3";
export { ReconcileCabinetClaims14d } from "../reconcile.js";
export { SecretCredentials } from "./credentials.js";
export { Database } from "./database.js";
export { s3Sink } from "./s3-sink.js";
