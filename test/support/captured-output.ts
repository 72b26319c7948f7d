/**
 * Captures what the process writes to stdout and stderr (Powertools Logger and Metrics write there through
 * their own `Console`), so tests can read the structured log lines and the embedded-metric-format
 * documents, and scan everything for secrets.
 */
import { afterAll, beforeAll, vi } from "vitest";

export interface CapturedOutput {
  /** Every line written since the capture started, stdout and stderr interleaved. */
  readonly lines: string[];
  /** Lines written from `mark()` on. */
  since(mark: number): string[];
  /** Current position, for `since`. */
  mark(): number;
  /** JSON lines (log records and EMF documents) written since `mark`. */
  records(mark?: number): Array<Record<string, unknown>>;
}

/** Captures for the whole test file (lines are swallowed, not echoed). */
export function captureOutput(): CapturedOutput {
  const lines: string[] = [];
  const partial = { stdout: "", stderr: "" };
  const intercept = (name: "stdout" | "stderr") =>
    vi.spyOn(process[name], "write").mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = partial[name] + (typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      const parts = text.split("\n");
      partial[name] = parts.pop() ?? "";
      lines.push(...parts);
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write);
  let spies: Array<ReturnType<typeof intercept>> = [];
  beforeAll(() => {
    spies = [intercept("stdout"), intercept("stderr")];
  });
  afterAll(() => {
    for (const spy of spies) spy.mockRestore();
  });
  return {
    lines,
    mark: () => lines.length,
    since: (mark) => lines.slice(mark),
    records(mark = 0) {
      return lines.slice(mark).flatMap((line) => {
        if (!line.startsWith("{")) return [];
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
    },
  };
}
