import { describe, expect, it } from "vitest";
import { blockedBy, type CatalogNode, planRefresh } from "../../lambda/core/refresh-plan.js";
import type { RefreshResult } from "../../lambda/core/types.js";

const node = (
  oid: number,
  relname: string,
  kind: string,
  reads: number[],
  over: Partial<CatalogNode> = {},
): CatalogNode => ({
  oid,
  schema: "ops",
  relname,
  kind,
  populated: true,
  concurrentIndex: true,
  reads,
  owner: "ops_owner",
  permitted: true,
  ...over,
});
const roots = (gapView: number, claimsView = gapView, achievedView = gapView) => ({
  gapView,
  claimsView,
  achievedView,
});
const deployedRoots = roots(1, 2, 6);

// Shape of the deployed chain: gap view -> claims view -> upper MV -> plain view -> lower MV -> tables.
const graph: CatalogNode[] = [
  node(1, "v_gap", "v", [2, 10]),
  node(2, "v_claims", "v", [3]),
  node(3, "mv_upper", "m", [4]),
  node(4, "v_between", "v", [5]),
  node(5, "mv_lower", "m", [10]),
  node(6, "v_achieved", "v", [10]),
  node(7, "mv_for_collection", "m", [2]), // reads the claims view: a dependant, never a dependency
  node(10, "trips", "r", []),
];

describe("planRefresh", () => {
  it("orders the closure lower view first, looking through plain views", () => {
    const plan = planRefresh(deployedRoots, graph);
    expect(plan.map((s) => s.name)).toEqual(["ops.mv_lower", "ops.mv_upper"]);
    expect(plan[1]?.depends_on).toEqual(["ops.mv_lower"]);
  });

  it("never includes a materialized view that only reads the claims in the upstream stage", () => {
    const plan = planRefresh(deployedRoots, graph);
    expect(plan.map((s) => s.name)).not.toContain("ops.mv_for_collection");
  });

  it("puts the views that read the claims view in a dependent stage, after the upstream one", () => {
    // Downstream of the claims view: a copy (a plain view in between) and the collection view on the copy.
    const downstream = [
      node(20, "mv_claims_copy", "m", [2], { concurrentIndex: false }),
      node(21, "mv_collection", "m", [22]),
      node(22, "v_copy", "v", [20]),
    ];
    const plan = planRefresh(deployedRoots, graph, downstream);
    expect(plan.map((s) => [s.relname, s.stage, s.mode])).toEqual([
      ["mv_lower", "upstream", "concurrently"],
      ["mv_upper", "upstream", "concurrently"],
      ["mv_claims_copy", "dependent", "plain"],
      ["mv_collection", "dependent", "concurrently"],
    ]);
    expect(plan[3]?.depends_on).toEqual(["ops.mv_claims_copy"]);
    // The copy reads the claims view, hence the upper view: its failure (or its skip) skips the copy.
    expect(plan[2]?.depends_on).toEqual(["ops.mv_upper"]);
  });

  it("marks only the views the claims or achieved view reads as able to change a verdict", () => {
    const g = [
      node(1, "v_gap", "v", [2, 3, 4]),
      node(2, "v_claims", "v", []),
      node(3, "v_achieved", "v", [5]),
      node(4, "mv_gap_only", "m", []),
      node(5, "mv_achieved", "m", []),
    ];
    const plan = planRefresh(roots(1, 2, 3), g);
    expect(plan.map((s) => [s.relname, s.feeds_claims])).toEqual([
      ["mv_achieved", true],
      ["mv_gap_only", false],
    ]);
  });

  it("carries the permission fact of each view into the plan", () => {
    const g = [node(1, "v", "v", [2]), node(2, "mine", "m", [], { permitted: false, owner: "dba" })];
    expect(planRefresh(roots(1), g).map((s) => [s.relname, s.permitted, s.owner])).toEqual([
      ["mine", false, "dba"],
    ]);
  });

  it("orders by dependency, not by name, and breaks ties by name", () => {
    const g = [
      node(1, "v", "v", [2, 3, 4]),
      node(2, "a_top", "m", [3]),
      node(3, "z_bottom", "m", []),
      node(4, "m_alone", "m", []),
    ];
    expect(planRefresh(roots(1), g).map((s) => s.relname)).toEqual(["m_alone", "z_bottom", "a_top"]);
  });

  it("refreshes concurrently only a populated view with a usable unique index", () => {
    const g = [
      node(1, "v", "v", [2, 3, 4]),
      node(2, "ok", "m", []),
      node(3, "partial_index", "m", [], { concurrentIndex: false }),
      node(4, "empty", "m", [], { populated: false }),
    ];
    const modes = Object.fromEntries(
      planRefresh(roots(1), g).map((s) => [s.relname, [s.mode, s.mode_reason]]),
    );
    expect(modes).toEqual({
      ok: ["concurrently", null],
      partial_index: ["plain", "no unique index on plain columns without WHERE"],
      empty: ["plain", "not populated"],
    });
  });

  it("returns an empty plan when nothing is materialized", () => {
    expect(planRefresh(roots(1), [node(1, "v", "v", [2]), node(2, "t", "r", [])])).toEqual([]);
  });
});

describe("blockedBy", () => {
  it("skips the dependants of a failed refresh", () => {
    const [lower, upper] = planRefresh(deployedRoots, graph);
    const failed: RefreshResult = {
      name: "ops.mv_lower",
      stage: "upstream",
      mode: "concurrently",
      duration_ms: 3,
      ok: false,
      error: "boom",
      outcome: { kind: "failed", sqlstate: "XX000", message: "boom" },
    };
    expect(blockedBy(upper as never, new Map([["ops.mv_lower", failed]]))).toBe("ops.mv_lower");
    expect(blockedBy(lower as never, new Map())).toBeNull();
  });

  it("traces a skipped view back to the one that failed", () => {
    const [, upper] = planRefresh(deployedRoots, graph);
    const skipped: RefreshResult = {
      name: "ops.mv_lower",
      stage: "upstream",
      mode: "concurrently",
      duration_ms: 0,
      ok: false,
      error: "skipped: ops.mv_base was not refreshed",
      outcome: { kind: "skipped", because: "ops.mv_base" },
    };
    expect(blockedBy(upper as never, new Map([["ops.mv_lower", skipped]]))).toBe("ops.mv_base");
  });
});
