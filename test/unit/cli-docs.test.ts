/**
 * docs/cli.md names every option the CLI has: each long flag of each command, and its environment variable
 * when it reads one, in that command's section of the page. The options come from the program itself
 * (`cliOptions()`), so a flag added to the CLI and not to the page fails here.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { cliOptions } from "../../lambda/cli/main.js";

const DOCS = resolve(import.meta.dirname, "../../docs/cli.md");

/** The section of docs/cli.md that documents each command's flags, by its heading. */
const SECTIONS: Record<string, string> = {
  run: "## Run flags",
  "ledger undo": "## `ledger undo` flags",
  "reference load": "## `reference load` flags",
};

/** The text under `heading`, up to the next heading of the same level. */
function section(page: string, heading: string): string {
  const start = page.split("\n").indexOf(heading);
  if (start < 0) return "";
  const rest = page.split("\n").slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith("## "));
  return rest.slice(0, end < 0 ? undefined : end).join("\n");
}

/** `--force` is named, not merely a prefix of `--force-refresh`; `GAP_VIEW` not only inside `GAP_VIEWS`. */
const names = (text: string, word: string) =>
  new RegExp(`(?<![\\w-])${word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`).test(text);

describe("docs/cli.md documents every CLI option", () => {
  const options = cliOptions();
  const commands = [...new Set(options.map((o) => o.command))];

  it("finds the options of every command (the listing is the program's, not a copy)", () => {
    expect(commands.sort()).toEqual(Object.keys(SECTIONS).sort());
    expect(options.filter((o) => o.command === "run").length).toBeGreaterThan(30);
    expect(options).toContainEqual({ command: "run", flag: "--record-claims", env: undefined });
    expect(options).toContainEqual({ command: "ledger undo", flag: "--run-id", env: undefined });
    expect(options).toContainEqual({ command: "run", flag: "--lang", env: "REPORT_LANG" });
  });

  it.each(Object.entries(SECTIONS))(
    "names each flag of `%s` and its variable under %j",
    async (command, heading) => {
      // Prepare
      const text = section(await readFile(DOCS, "utf8"), heading);
      // Act
      const own = options.filter((o) => o.command === command);
      const missing = [
        ...own.filter((o) => !names(text, o.flag)).map((o) => o.flag),
        ...own.filter((o) => o.env !== undefined && !names(text, o.env)).map((o) => `${o.env} (${o.flag})`),
      ];
      // Assess
      expect(text, `docs/cli.md has no section "${heading}"`).not.toBe("");
      expect(missing).toEqual([]);
    },
  );
});
