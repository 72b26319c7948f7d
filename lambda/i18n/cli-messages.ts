/**
 * The words of the CLI's human summary, in English and Spanish. Metric names, verdicts, diagnoses and
 * bucket codes stay as they are (they are data a script may grep); only the labels around them change.
 */
import type { Lang } from "./lang.js";

export interface CliMessages {
  readonly asOf: string;
  readonly daysBack: string;
  readonly limit: string;
  readonly run: string;
  readonly dryRun: string;
  readonly onlyGaps: string;
  readonly forceRefresh: string;
  readonly skipped: string;
  readonly phases: string;
  readonly refresh: string;
  readonly notRun: string;
  readonly planned: string;
  readonly okIn: string;
  readonly failed: string;
  readonly metrics: string;
  readonly verdicts: string;
  readonly aging: string;
  readonly collectNow: string;
  /** The 15+ figure when the window cannot reach 15 days overdue: no amount, and why. */
  readonly notCovered: string;
  readonly notCoveredNote: (reach: number, minDaysBack: number) => string;
  readonly warnings: string;
  readonly wrote: string;
  readonly recordClaims: string;
  /** The claims ledger section: its title, and the gap view's window before and after the write. */
  readonly ledger: string;
  readonly gapsBeforeAfter: (before: number, after: number | null) => string;
}

const en: CliMessages = {
  asOf: "as of",
  daysBack: "days back",
  limit: "limit",
  run: "run",
  dryRun: "dry-run",
  onlyGaps: "only gaps",
  forceRefresh: "force refresh",
  skipped: "another run holds the lock; nothing was done and no report was written (the last one stays)",
  phases: "phases",
  refresh: "refresh",
  notRun: "not run",
  planned: "planned",
  okIn: "ok in",
  failed: "FAILED",
  metrics: "metrics",
  verdicts: "verdicts (money at risk first)",
  aging: "money at risk by days overdue",
  collectNow: "15+ days overdue (collect now)",
  notCovered: "not covered",
  notCoveredNote: (reach, minDaysBack) =>
    `this window reaches ${reach} days overdue at most; run with --days-back ${minDaysBack} or more`,
  warnings: "WARNINGS",
  wrote: "wrote",
  recordClaims: "record claims",
  ledger: "claims ledger",
  gapsBeforeAfter: (before, after) =>
    after === null
      ? `gap view window: ${before} rows`
      : `gap view window: ${before} rows before, ${after} after`,
};

const es: CliMessages = {
  asOf: "al",
  daysBack: "días atrás",
  limit: "límite",
  run: "ejecución",
  dryRun: "simulación",
  onlyGaps: "solo brechas",
  forceRefresh: "refresco forzado",
  skipped:
    "otra ejecución tiene el bloqueo; no se hizo nada y no se escribió ningún informe (queda el último)",
  phases: "fases",
  refresh: "refresco",
  notRun: "no ejecutado",
  planned: "planificado",
  okIn: "ok en",
  failed: "FALLÓ",
  metrics: "métricas",
  verdicts: "veredictos (dinero en riesgo primero)",
  aging: "dinero en riesgo por días de atraso",
  collectNow: "vencido hace 15+ días (cobrar ya)",
  notCovered: "sin cobertura",
  notCoveredNote: (reach, minDaysBack) =>
    `esta ventana llega a ${reach} días de atraso como máximo; ejecute con --days-back ${minDaysBack} o más`,
  warnings: "ADVERTENCIAS",
  wrote: "escrito",
  recordClaims: "registrar reclamos",
  ledger: "registro de reclamos",
  gapsBeforeAfter: (before, after) =>
    after === null
      ? `ventana de la vista de brechas: ${before} filas`
      : `ventana de la vista de brechas: ${before} filas antes, ${after} después`,
};

export const CLI_MESSAGES: Readonly<Record<Lang, CliMessages>> = { en, es };
