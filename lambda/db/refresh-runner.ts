/**
 * The refresh of one run, both stages (docs/contract.md §4 step 4 and §9.3): reads the plan from the
 * catalog, runs the upstream stage when it can change a verdict, the dependent stage after the re-verify,
 * and keeps every outcome as a typed value. The decisions are the pure functions of `core/refresh-plan.ts`.
 */
import type pg from "pg";
import type { DecideContext } from "../core/decide.js";
import {
  type CatalogNode,
  changeableScope,
  type DriverScope,
  failedRefreshes,
  planRefresh,
  rereadScope,
  settleStaleness,
  upstreamDecision,
} from "../core/refresh-plan.js";
import type { RunJournal } from "../core/run-journal.js";
import { TimeBudget } from "../core/time-budget.js";
import type { RefreshResult, RefreshStage, RefreshStep } from "../core/types.js";
import { refusedRefreshWarning } from "../core/warnings.js";
import { readDependencyGraph, readDependents } from "./catalog.js";
import type { CheckedContract } from "./contract.js";
import { quoteQualified } from "./names.js";
import { refreshSteps } from "./refresh.js";
import { checkStaleness, uniqueIndexAdvice } from "./refresh-staleness.js";
import type { SessionFacts } from "./session.js";

export interface RefreshSettings {
  readonly dryRun: boolean;
  readonly forceRefresh: boolean;
  readonly refreshDependents: boolean;
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

export class RefreshRunner {
  plan: RefreshStep[] = [];
  readonly results: RefreshResult[] = [];
  /** Why the upstream stage did not run (the report's `refresh_skipped`), or null when it ran. */
  skipped: string | null = null;
  upstreamRan = false;
  /** Per upstream step: the analysed drivers it is stale for (empty when fresh; none when forced). */
  scopes: ReadonlyMap<string, DriverScope> = new Map();
  #nodes = new Map<string, CatalogNode>();
  /** The claims view, quoted and qualified (the dependents' first-look comparison). */
  #claimsView = "";

  constructor(
    readonly client: pg.ClientBase,
    readonly server: SessionFacts,
    readonly settings: RefreshSettings,
    readonly budget: TimeBudget,
    readonly journal: RunJournal,
  ) {}

  /** Both stages of the plan, from the catalog: what the three views read, and what reads the claims view. */
  async readPlan(contract: CheckedContract): Promise<void> {
    const { gapView, claimsView, achievedView } = contract.oids;
    this.#claimsView = quoteQualified(contract.names.claimsView);
    const version = this.server.version;
    const upstream = await readDependencyGraph(this.client, [gapView, claimsView, achievedView], version);
    const downstream = await readDependents(this.client, claimsView, version);
    this.plan = planRefresh({ gapView, claimsView, achievedView }, upstream, downstream);
    for (const n of [...upstream, ...downstream]) this.#nodes.set(`${n.schema}.${n.relname}`, n);
    if (this.settings.dryRun) this.journal.warn(refusedRefreshWarning(this.server.role, this.plan));
  }

  /**
   * Step 4 (§10.3): decides which upstream views are stale for the analysed rows a refresh could fix
   * (`fixable`: their drivers), without a lock that blocks readers, then refreshes those, in dependency
   * order, unless it is a dry run. `forceRefresh` refreshes the whole plan unchecked, as before.
   */
  async upstream(anyToFix: boolean, fixable: readonly string[]): Promise<void> {
    const { dryRun, forceRefresh } = this.settings;
    const steps = this.plan.filter((step) => step.stage === "upstream");
    if (steps.length > 0 && anyToFix && !forceRefresh) {
      const settled = await this.journal.phase("staleness", () => this.#settle(steps, fixable));
      this.scopes = settled.scopes;
    } else if (steps.length > 0) {
      const how = forceRefresh
        ? "not checked: forceRefresh"
        : "not checked: no analysed row a refresh could fix";
      this.#replace(steps.map((step) => ({ ...step, stale_how: how })));
    }
    const decision = upstreamDecision({ dryRun, forceRefresh, anyToFix, plan: this.plan });
    this.skipped = decision.skipped;
    if (!decision.run) return;
    const fresh = new Map<string, string>();
    if (!forceRefresh) {
      for (const step of this.plan) {
        if (step.stage !== "upstream") continue;
        if (step.stale === false) fresh.set(step.name, step.stale_how);
        else if (!step.feeds_claims)
          fresh.set(step.name, "only the gap view reads it: cannot change a verdict");
      }
      if (fresh.size === steps.length) {
        this.skipped = "fresh: no planned view is stale for an analysed row a refresh could change";
      }
    }
    this.upstreamRan = fresh.size < steps.length;
    await this.journal.phase("refresh", () => this.#run("upstream", fresh));
  }

  /**
   * The analysed drivers a dry run says WOULD_REFRESH for, and the failures with the rows each could have
   * changed: the per-row facts `decide` reads (§10.3).
   */
  decideContext(): Pick<DecideContext, "changeable" | "failedRefresh"> {
    const forced = this.settings.forceRefresh;
    return {
      changeable: changeableScope(this.plan, this.scopes, forced),
      failedRefresh: failedRefreshes(this.plan, this.results, this.scopes),
    };
  }

  /** The analysed drivers whose claims and achieved facts a successful refresh could have changed. */
  rereadScope(): DriverScope {
    return rereadScope(this.plan, this.results, this.scopes);
  }

  /**
   * Step 7 (§9.3, §10.3): the views built on the claims view, once the verdicts are decided. A copy is
   * refreshed when an upstream refresh beneath the claims view succeeded, or when it differs from the claims
   * view for an analysed driver (`drivers`), whatever failed elsewhere: a resolved claim reaches the screens
   * built on the claims view even when an unrelated view failed.
   */
  async dependents(drivers: readonly string[]): Promise<void> {
    const { dryRun, refreshDependents, forceRefresh } = this.settings;
    const steps = this.plan.filter((step) => step.stage === "dependent");
    if (steps.length === 0 || dryRun || !refreshDependents) return;
    const fresh = new Map<string, string>();
    if (!forceRefresh) {
      const beneath = this.results.filter((r) => r.stage === "upstream" && r.ok).map((r) => r.name);
      const changedClaims = this.plan.some(
        (s) => s.stage === "upstream" && s.feeds_claims && beneath.includes(s.name),
      );
      if (changedClaims) {
        const how = `the claims view changed beneath it: ${beneath.join(", ")} refreshed`;
        this.#replace(steps.map((step) => ({ ...step, stale: true, stale_how: how, stale_drivers: null })));
      } else {
        // No upstream refresh succeeded: the claims view is as the first look read it, so a copy of it is
        // compared with those rows instead of reading the claims view again (§10.3). After any refresh, each
        // dependent's definition is evaluated as before.
        const firstLook = beneath.length === 0 ? { claimsView: this.#claimsView } : undefined;
        const settled = await this.journal.phase("staleness dependents", () =>
          this.#settle(steps, drivers, firstLook),
        );
        for (const step of settled.steps) if (step.stale === false) fresh.set(step.name, step.stale_how);
      }
    } else {
      this.#replace(steps.map((step) => ({ ...step, stale_how: "not checked: forceRefresh" })));
    }
    if (fresh.size === steps.length) {
      await this.#run("dependent", fresh);
      return;
    }
    await this.journal.phase("refresh dependents", () => this.#run("dependent", fresh));
  }

  /** Checks and settles the staleness of one stage's steps, and puts them back into the plan. */
  async #settle(
    steps: readonly RefreshStep[],
    drivers: readonly string[],
    firstLook?: { readonly claimsView: string },
  ) {
    const { checks } = await checkStaleness(
      this.client,
      { steps, drivers, firstLook, populated: (name) => this.#nodes.get(name)?.populated ?? true },
      {
        lockTimeoutMs: this.settings.lockTimeoutMs,
        // A check may use at most half of what is left for refreshing, so that an undecided view (a check
        // cut short) can still be refreshed as before within the budget.
        statementTimeoutMs: () =>
          Math.min(
            this.settings.statementTimeoutMs,
            Math.max(
              1,
              (this.budget.remaining() -
                TimeBudget.reserveForReverify(this.journal.spentIn("identify", "verify"))) /
                2,
            ),
          ),
      },
    );
    const settled = settleStaleness(steps, checks);
    this.#replace(settled.steps);
    return settled;
  }

  #replace(steps: readonly RefreshStep[]): void {
    const byName = new Map(steps.map((s) => [s.name, s]));
    this.plan = this.plan.map((s) => byName.get(s.name) ?? s);
  }

  async #run(stage: RefreshStage, fresh: ReadonlyMap<string, string>): Promise<void> {
    // Upstream steps keep back time for the re-verify; dependents run after it and keep only a moment.
    const verified = this.journal.spentIn("identify", "verify");
    const reserve = stage === "upstream" ? TimeBudget.reserveForReverify(verified) : 1_000;
    const steps = this.plan.filter((step) => step.stage === stage);
    const results = await refreshSteps(this.client, steps, {
      // Dependents wait only for the dependents they read: an upstream failure elsewhere does not keep a
      // resolved claim from the copies (§10.3).
      previous: stage === "upstream" ? this.results : [],
      role: this.server.role,
      available: () => this.budget.remaining() - reserve,
      lockTimeoutMs: this.settings.lockTimeoutMs,
      statementTimeoutMs: this.settings.statementTimeoutMs,
      fresh,
      onResult: (result, cut) => this.journal.refreshed(result, cut),
    });
    this.results.push(...results);
    // A view refreshed plain for want of a usable unique index: name the index that would allow CONCURRENTLY.
    for (const result of results) {
      const step = steps.find((s) => s.name === result.name);
      const keys = this.#nodes.get(result.name)?.adviceKeys ?? [];
      if (
        !result.ok ||
        result.mode !== "plain" ||
        !step ||
        keys.length === 0 ||
        step.mode_reason === "not populated"
      )
        continue;
      const advice = await uniqueIndexAdvice(this.client, step, keys);
      if (advice) this.#replace([{ ...step, index_advice: advice }]);
    }
  }
}
