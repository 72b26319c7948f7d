/**
 * `npm pack` of the checkout, one at a time. Packing runs `prepare`, which rebuilds `dist/cli/` and
 * `dist/lib/` in place: two test files packing at once (the CLI's and the library's, in parallel workers)
 * could tar a bundle the other is half-way through rewriting. A lock directory in the temp folder, one per
 * checkout, serialises them across processes; a lock whose holder has exited, or older than the slowest
 * pack, is taken as abandoned.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const ABANDONED_MS = 10 * 60_000;

/** Packs the checkout into `destination` (building it, as `npm pack` does); returns the tarball's path. */
export async function packCheckout(destination: string): Promise<string> {
  return withPackLock(async () => {
    const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", destination], {
      cwd: ROOT,
      maxBuffer: 16 << 20,
    });
    return join(destination, stdout.trim().split("\n").at(-1) as string);
  });
}

async function withPackLock<T>(work: () => Promise<T>): Promise<T> {
  const key = createHash("sha256").update(ROOT).digest("hex").slice(0, 12);
  const lock = join(tmpdir(), `reconcile-pack-${key}.lock`);
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (await abandoned(lock)) await rm(lock, { recursive: true, force: true });
      else await sleep(1000);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** The lock's holder has exited (a run killed mid-pack), or held it longer than any pack takes. */
async function abandoned(lock: string): Promise<boolean> {
  const pid = Number(await readFile(join(lock, "pid"), "utf8").catch(() => ""));
  if (pid > 0) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
    }
  }
  const since = await stat(lock).then(
    (s) => Date.now() - s.mtimeMs,
    () => 0,
  );
  return since > ABANDONED_MS;
}
