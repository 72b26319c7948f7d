/**
 * The refresh of one run, both stages (docs/contract.md §4 step 4 and §9.3): reads the plan from the
 * catalog, runs the upstream stage when it can change a verdict, the dependent stage after the re-verify,
 * and keeps every outcome as a typed value. The decisions are the pure functions of `core/refresh-plan.ts`.
 */
import type pg from "pg";
import { planRefresh, upstreamDecision } from "../core/refresh-plan.js";
import type { RunJournal } from "../core/run-journal.js";
import { TimeBudget } from "../core/time-budget.js";
import type { RefreshResult, RefreshStage, RefreshStep } from "../core/types.js";
import { refusedRefreshWarning } from "../core/warnings.js";
import { readDependencyGraph, readDependents } from "./catalog.js";
import type { CheckedContract } from "./contract.js";
import { refreshSteps } from "./refresh.js";
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
    const version = this.server.version;
    const upstream = await readDependencyGraph(this.client, [gapView, claimsView, achievedView], version);
    const downstream = await readDependents(this.client, claimsView, version);
    this.plan = planRefresh({ gapView, claimsView, achievedView }, upstream, downstream);
    if (this.settings.dryRun) this.journal.warn(refusedRefreshWarning(this.server.role, this.plan));
  }

  /** Step 4: the upstream stage, in dependency order, if it can change a verdict (or is forced). */
  async upstream(anyToFix: boolean): Promise<void> {
    const { dryRun, forceRefresh } = this.settings;
    const decision = upstreamDecision({ dryRun, forceRefresh, anyToFix, plan: this.plan });
    this.skipped = decision.skipped;
    if (!decision.run) return;
    this.upstreamRan = true;
    await this.journal.phase("refresh", () => this.#run("upstream"));
  }

  /** Step 7 (§9.3): the views built on the claims view, once the verdicts are decided. */
  async dependents(): Promise<void> {
    const { dryRun, refreshDependents, forceRefresh } = this.settings;
    const any = this.plan.some((step) => step.stage === "dependent");
    if (!any || dryRun || !refreshDependents || !(this.upstreamRan || forceRefresh)) return;
    await this.journal.phase("refresh dependents", () => this.#run("dependent"));
  }

  async #run(stage: RefreshStage): Promise<void> {
    // Upstream steps keep back time for the re-verify; dependents run after it and keep only a moment.
    const verified = this.journal.spentIn("identify", "verify");
    const reserve = stage === "upstream" ? TimeBudget.reserveForReverify(verified) : 1_000;
    const steps = this.plan.filter((step) => step.stage === stage);
    const results = await refreshSteps(this.client, steps, {
      previous: this.results,
      role: this.server.role,
      available: () => this.budget.remaining() - reserve,
      lockTimeoutMs: this.settings.lockTimeoutMs,
      statementTimeoutMs: this.settings.statementTimeoutMs,
      onResult: (result, cut) => this.journal.refreshed(result, cut),
    });
    this.results.push(...results);
  }
}
