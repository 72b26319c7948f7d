/**
 * How the handler is bundled, in one place: the stack's NodejsFunction and `scripts/bundle-handler.ts`
 * (which the tests load in a fresh node) both read these, so the tested artefact is the deployed one.
 * No CDK import here, so the script stays light.
 */
import { fileURLToPath } from "node:url";

/** The handler the function runs (`export const handler` in this file). */
export const HANDLER_ENTRY = fileURLToPath(new URL("../lambda/aws/handler.ts", import.meta.url));

/**
 * ESM bundles have no `require`; CommonJS dependencies (pg, parts of the AWS SDK) call it. This banner
 * gives them one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);";

/** `pg` imports `pg-native` only when asked for its native client, which the job never does. */
export const EXTERNAL_MODULES = ["pg-native"];

/** Syntax target: the oldest runtime the code must run on (Lambda runs 24; tests load it in 20/22). */
export const BUNDLE_TARGET = "node22";
