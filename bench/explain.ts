/**
 * Where the database spends the time: EXPLAIN (ANALYZE, BUFFERS) of the gap view's window queries (the
 * job's own count and snapshot statements, with their values) and of the claims chain's MV definitions
 * (what REFRESH runs). Each plan is reduced to its total, its buffers and its most expensive nodes, from
 * the median of several executions.
 */
import type pg from "pg";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Total Time": number;
  "Actual Loops": number;
  "Actual Rows": number;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  "Temp Read Blocks"?: number;
  Plans?: PlanNode[];
}

export interface PlanSummary {
  label: string;
  executionMs: number;
  planningMs: number;
  sharedHit: number;
  sharedRead: number;
  tempBlocks: number;
  /** Nodes with the most exclusive time (own time, children excluded), most expensive first. */
  top: Array<{ node: string; ms: number; loops: number }>;
}

function describe(n: PlanNode): string {
  const on = n["Index Name"] ?? n["Relation Name"];
  return on ? `${n["Node Type"]} ${on}` : n["Node Type"];
}

function exclusive(n: PlanNode, out: Array<{ node: string; ms: number; loops: number }>): void {
  const total = n["Actual Total Time"] * n["Actual Loops"];
  const children = (n.Plans ?? []).reduce((s, c) => s + c["Actual Total Time"] * c["Actual Loops"], 0);
  out.push({ node: describe(n), ms: Math.max(0, total - children), loops: n["Actual Loops"] });
  for (const c of n.Plans ?? []) exclusive(c, out);
}

type PlanDoc = { Plan: PlanNode; "Execution Time": number; "Planning Time": number };

/**
 * Runs `text` under EXPLAIN ANALYZE `runs` times (calling `reset` before each, for statements that write)
 * and summarises the run with the median execution time. One execution of a few milliseconds is at the
 * mercy of the first read of each page and of the machine; the growth between scales is compared on
 * medians.
 */
export async function explain(
  client: pg.ClientBase,
  label: string,
  text: string,
  values?: unknown[],
  opts: { runs?: number; reset?: () => Promise<unknown> } = {},
): Promise<PlanSummary> {
  const docs: PlanDoc[] = [];
  for (let i = 0; i < (opts.runs ?? 5); i++) {
    await opts.reset?.();
    const res = await client.query<{ "QUERY PLAN": PlanDoc[] }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`,
      values,
    );
    const one = res.rows[0]?.["QUERY PLAN"][0];
    if (!one) throw new Error(`no plan for ${label}`);
    docs.push(one);
  }
  docs.sort((a, b) => a["Execution Time"] - b["Execution Time"]);
  const doc = docs[Math.floor(docs.length / 2)] as PlanDoc;
  const nodes: Array<{ node: string; ms: number; loops: number }> = [];
  exclusive(doc.Plan, nodes);
  nodes.sort((a, b) => b.ms - a.ms);
  return {
    label,
    executionMs: doc["Execution Time"],
    planningMs: doc["Planning Time"],
    sharedHit: doc.Plan["Shared Hit Blocks"] ?? 0,
    sharedRead: doc.Plan["Shared Read Blocks"] ?? 0,
    tempBlocks: doc.Plan["Temp Read Blocks"] ?? 0,
    top: nodes.slice(0, 3),
  };
}

/** The defining query of a materialized view: what its REFRESH executes. */
export async function mvDefinition(client: pg.ClientBase, mv: string): Promise<string> {
  const res = await client.query<{ def: string }>("SELECT pg_get_viewdef($1::regclass, true) AS def", [mv]);
  return (res.rows[0]?.def ?? "").replace(/;\s*$/, "");
}

export function formatTop(p: PlanSummary): string {
  return p.top
    .map((t) => `${t.node} ${t.ms.toFixed(1)} ms${t.loops > 1 ? ` (${t.loops} loops)` : ""}`)
    .join("; ");
}
