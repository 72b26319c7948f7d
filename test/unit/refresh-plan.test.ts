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
  ...over,
});

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
    const plan = planRefresh([1, 2, 6], graph);
    expect(plan.map((s) => s.name)).toEqual(["ops.mv_lower", "ops.mv_upper"]);
    expect(plan[1]?.depends_on).toEqual(["ops.mv_lower"]);
  });

  it("never includes a materialized view that only reads the claims", () => {
    const plan = planRefresh([1, 2, 6], graph);
    expect(plan.map((s) => s.name)).not.toContain("ops.mv_for_collection");
  });

  it("orders by dependency, not by name, and breaks ties by name", () => {
    const g = [
      node(1, "v", "v", [2, 3, 4]),
      node(2, "a_top", "m", [3]),
      node(3, "z_bottom", "m", []),
      node(4, "m_alone", "m", []),
    ];
    expect(planRefresh([1], g).map((s) => s.relname)).toEqual(["m_alone", "z_bottom", "a_top"]);
  });

  it("refreshes concurrently only a populated view with a usable unique index", () => {
    const g = [
      node(1, "v", "v", [2, 3, 4]),
      node(2, "ok", "m", []),
      node(3, "partial_index", "m", [], { concurrentIndex: false }),
      node(4, "empty", "m", [], { populated: false }),
    ];
    const modes = Object.fromEntries(planRefresh([1], g).map((s) => [s.relname, [s.mode, s.mode_reason]]));
    expect(modes).toEqual({
      ok: ["concurrently", null],
      partial_index: ["plain", "no unique index on plain columns without WHERE"],
      empty: ["plain", "not populated"],
    });
  });

  it("returns an empty plan when nothing is materialized", () => {
    expect(planRefresh([1], [node(1, "v", "v", [2]), node(2, "t", "r", [])])).toEqual([]);
  });
});

describe("blockedBy", () => {
  it("skips the dependants of a failed refresh", () => {
    const [lower, upper] = planRefresh([1, 2, 6], graph);
    const failed: RefreshResult = {
      name: "ops.mv_lower",
      mode: "concurrently",
      duration_ms: 3,
      ok: false,
      error: "boom",
    };
    expect(blockedBy(upper as never, new Map([["ops.mv_lower", failed]]))).toBe("ops.mv_lower");
    expect(blockedBy(lower as never, new Map())).toBeNull();
  });
});
