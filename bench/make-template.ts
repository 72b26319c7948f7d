/**
 * Child process of the benchmark: builds one scale's template database and prints its statistics as one
 * JSON line. A child, so the generator's in-memory dataset (gigabytes at scale 30+) is freed when it ends
 * and it can be given a larger heap than the parent needs.
 *
 *   node --max-old-space-size=16384 --import tsx bench/make-template.ts <admin-url-json> <scale> <asOf>
 */
import type { EmbeddedServer } from "../reference/embedded.js";
import { makeTemplate } from "./db.js";

const [serverJson, scale, asOf] = process.argv.slice(2);
const s = JSON.parse(serverJson as string) as { url: string };
const server = {
  url: s.url,
  urlFor: (db: string) => {
    const u = new URL(s.url);
    u.pathname = `/${db}`;
    return u.toString();
  },
} as EmbeddedServer;
const t = await makeTemplate(server, Number(scale), asOf as string);
process.stdout.write(`${JSON.stringify(t)}\n`);
