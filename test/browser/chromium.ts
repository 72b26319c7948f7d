/**
 * Headless Chromium for the browser tests: Debian's `chromium` (CI installs it with apt-get, see
 * `.ci/run`), driven by `playwright-core` (which downloads no browser of its own). Started with the flags
 * this machine needs: no sandbox (root), no GPU, and none of the background traffic a fresh profile makes.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const NAMES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];

/** `CHROMIUM_PATH` when set, else the first Chromium on PATH; undefined when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const executable = (path: string) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (env.CHROMIUM_PATH) return executable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean))
    for (const name of NAMES) if (executable(join(dir, name))) return join(dir, name);
  return undefined;
}

export const CHROMIUM = findChromium();

/** Says, once, why the browser tests did not run (they skip only when no Chromium can be found). */
export const NO_CHROMIUM =
  "SKIPPED: no Chromium found (set CHROMIUM_PATH, or install it: apt-get update && apt-get install -y chromium)";

export function launchChromium(): Promise<Browser> {
  if (!CHROMIUM) throw new Error(NO_CHROMIUM);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}
