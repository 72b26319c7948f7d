/**
 * How the handler is bundled, in one place: the stack's function asset and `scripts/bundle-handler.ts`
 * (which the tests and the benchmark load in a fresh node) both build with `handlerBuildOptions`, so the
 * tested artefact is the deployed one. No CDK import here, so the script stays light.
 *
 * One ESM file, `index.mjs`, with the settings `NodejsFunction` would use (ESM, minified, `keepNames`,
 * source maps, the require banner) plus one plugin, `zodNamespaceImports`. A bundle split into an entry
 * and chunks loaded on first use was measured against it on the path a scheduled run pays (import, then the
 * first invocation up to its first SQL statement: bench/RESULTS.md, "Cold path"): it cut the import but
 * not that total (about 1%), so the simpler bundle stays. The plugin does pay on that total (about 14%),
 * and it is why the bundle is built with esbuild's asynchronous API rather than by `NodejsFunction`,
 * whose esbuild command line takes no plugins.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { BuildOptions, Metafile, Plugin } from "esbuild";

/** The handler the function runs (`export const handler` in this file). */
export const HANDLER_ENTRY = fileURLToPath(new URL("../lambda/aws/handler.ts", import.meta.url));

/** The Lambda `handler` setting for the bundle (`index.mjs`, export `handler`). */
export const HANDLER_NAME = "index.handler";

/**
 * ESM bundles have no `require`; CommonJS dependencies (pg, parts of the AWS SDK) call it. This banner
 * gives them one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);";

/** `pg` imports `pg-native` only when asked for its native client, which the job never does. */
export const EXTERNAL_MODULES = ["pg-native"];

/** Bytes of the scripts an esbuild run wrote (its metafile's outputs ending in `extension`). */
export function outputBytes(result: { metafile?: Metafile | undefined }, extension = ".js"): number {
  return Object.entries(result.metafile?.outputs ?? {})
    .filter(([file]) => file.endsWith(extension))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
}

/** Syntax target: the oldest runtime the code must run on (Lambda runs 24; tests load it in 20/22). */
const BUNDLE_TARGET = "node22";

/**
 * The Powertools parser imports zod as `import { z } from 'zod'`. esbuild cannot tree-shake members of a
 * namespace reached through a named re-export, so that one line pulls all of zod into the bundle (about
 * 460 KiB minified, 64 locales included), against about 100 KiB when the namespace is imported directly
 * (`import * as z from 'zod'`, which this project's own code uses). The two bind the same functions (zod's
 * root module re-exports the `z` namespace's members), so the parser's files are rewritten to the
 * namespace form while bundling: about 80 ms less on the cold path (bench/RESULTS.md). A rewrite that finds nothing to rewrite fails the build, so a parser
 * upgrade that changes the import is noticed instead of silently growing the bundle again.
 */
const zodNamespaceImports: Plugin = {
  name: "zod-namespace-imports",
  setup(build) {
    const NAMED = /import \{ z \} from ['"]zod['"];/g;
    let rewritten = 0;
    build.onStart(() => {
      rewritten = 0;
    });
    build.onLoad({ filter: /[\\/]@aws-lambda-powertools[\\/]parser[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const contents = source.replace(NAMED, () => {
        rewritten += 1;
        return "import * as z from 'zod';";
      });
      return { contents, loader: "js" };
    });
    build.onEnd((result) => {
      const usesParser = Object.keys(result.metafile?.inputs ?? {}).some((p) =>
        /@aws-lambda-powertools[\\/]parser[\\/]/.test(p),
      );
      if (usesParser && rewritten === 0) {
        result.errors.push({
          id: "zod-namespace-imports",
          pluginName: "zod-namespace-imports",
          text: "the Powertools parser no longer imports `{ z } from 'zod'`: review infra/bundling.ts",
          location: null,
          notes: [],
          detail: undefined,
        });
      }
    });
  },
};

/** The esbuild options of the deployed bundle: `index.mjs` and its source map in `outdir`. */
export function handlerBuildOptions(outdir: string, entry: string = HANDLER_ENTRY): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    platform: "node",
    format: "esm",
    outExtension: { ".js": ".mjs" },
    target: BUNDLE_TARGET,
    mainFields: ["module", "main"],
    minify: true,
    // Error classes are matched by name in Step Functions (`DatabaseUnavailableError`...): keep names.
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: ESM_REQUIRE_BANNER },
    external: EXTERNAL_MODULES,
    plugins: [zodNamespaceImports],
    metafile: true,
    logLevel: "warning",
  };
}
