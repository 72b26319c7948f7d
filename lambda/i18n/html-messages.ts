/**
 * The words of the HTML report, in English and Spanish. One interface, so a message missing in one
 * language is a compile error. Codes (verdicts, diagnoses, buckets, metric names) are printed as they are
 * and only explained here.
 */
import type { OverdueBucket } from "../core/aging.js";
import type {
  AmountSource,
  Diagnosis,
  InvalidReason,
  LedgerOutcome,
  LedgerState,
  LedgerWhy,
  Verdict,
} from "../core/types.js";
import type { Lang } from "./lang.js";

export interface Explained {
  /** What the code means, in one sentence. */
  readonly meaning: string;
  /** What an operator does about it. */
  readonly action: string;
}

/** The group a row at risk is listed under: its diagnosis, or `WOULD_REFRESH` in a dry run without one. */
export type ActionGroup = Diagnosis | "WOULD_REFRESH";

/** Invalid reasons the page words (one name for the core's, contract revision 3's included). */
export type PageInvalidReason = InvalidReason;

/** The claims ledger's vocabulary (contract 10.2) is the core's. */
export type { AmountSource, LedgerOutcome, LedgerState, LedgerWhy };

/**
 * A row's detail in the page's language, from its typed facts (`detail_facts`) and its own fields. `window`
 * is the claim's window as the job writes it, `[lead date, lead date + 14)`.
 */
export interface DetailWords {
  readonly NO_DRIVER: string;
  readonly NO_LEAD_DATE: string;
  readonly NOT_ACHIEVED: (milestone: number, flag: false | null) => string;
  readonly ACHIEVED_OUTSIDE_WINDOW: (achieved: string, window: string) => string;
  readonly CLAIM_ON_OTHER_LEAD_DATE: (other: string, lead: string) => string;
  readonly NO_PAYMENT_CALCULATION: (milestone: number, lead: string) => string;
  readonly PAYMENT_CALCULATION_NOT_ACHIEVED: (
    milestone: number,
    achieved: string | null,
    trips: number,
    window: string,
  ) => string;
  readonly TRIPS_OUTSIDE_WINDOW: (trips: number, milestone: number, window: string) => string;
  readonly CLAIMS_VIEW_MISSING: (achieved: string, trips: number) => string;
  /** `data`: the diagnosis of the data as it is, already worded. */
  readonly REFRESH_FAILED: (view: string, data: string) => string;
  /** `before`: what the first look found, already worded. */
  readonly RESOLVED: (before: string) => string;
  readonly ZERO_AMOUNT_RULE: (milestone: number, lead: string, amount: string) => string;
  readonly UNKNOWN_MILESTONE: (milestone: string) => string;
}

export interface HtmlMessages {
  readonly title: string;
  readonly asOf: string;
  readonly run: string;
  readonly status: Readonly<Record<"completed" | "skipped" | "partial", string>>;
  readonly startedFinished: string;
  readonly dryRunBanner: string;
  readonly skippedBanner: string;
  readonly partialBanner: string;
  readonly warnings: (n: number) => string;
  readonly headline: string;
  readonly atRisk: string;
  readonly atRiskNote: string;
  readonly stillMissing: string;
  readonly resolved: string;
  readonly collectNow: string;
  readonly collectNowNote: string;
  /** The 15+ card when the window cannot reach 15 days overdue: no amount, and why. */
  readonly notCovered: string;
  readonly notCoveredNote: (reach: number, minDaysBack: number) => string;
  readonly claims: (n: string) => string;
  readonly charts: string;
  readonly byDiagnosis: string;
  readonly byBucket: string;
  readonly noMoneyAtRisk: string;
  readonly whatToDo: string;
  readonly whatToDoIntro: string;
  readonly nothingToDo: string;
  readonly meaning: string;
  readonly action: string;
  readonly moreRows: (shown: string, total: string) => string;
  readonly allRows: string;
  readonly allRowsIntro: string;
  readonly rowsCapped: (shown: string, total: string) => string;
  readonly filter: string;
  readonly filterPlaceholder: string;
  readonly any: string;
  readonly shown: string;
  readonly sortHint: string;
  readonly columns: Readonly<Record<RowColumn, string>>;
  readonly refresh: string;
  readonly refreshNotRun: string;
  readonly refreshPlanEmpty: string;
  readonly refreshColumns: Readonly<
    Record<"step" | "view" | "stage" | "mode" | "why" | "outcome" | "duration", string>
  >;
  /** A per-diagnosis heading's count: claims once each, and the rows when duplicates make them more. */
  readonly claimsOfRows: (claims: string, rows: string) => string;
  readonly stage: Readonly<Record<"upstream" | "dependent", string>>;
  /** Why a refresh is plain, keyed by the plan's own words (`core/refresh-plan.ts`). */
  readonly modeReason: Readonly<Record<string, string>>;
  /** A refresh outcome's particulars; a database error's message and SQLSTATE stay as the server said them. */
  readonly outcomeWords: {
    readonly failed: (message: string, sqlstate: string | null) => string;
    readonly skipped: (because: string) => string;
    readonly out_of_time: string;
    readonly not_permitted: (role: string, owner: string) => string;
    readonly planned_not_permitted: (owner: string) => string;
  };
  readonly refreshOutcome: Readonly<
    Record<"ok" | "fresh" | "failed" | "skipped" | "out_of_time" | "not_permitted" | "planned", string>
  >;
  readonly parameters: string;
  readonly metrics: string;
  readonly statusCounts: string;
  readonly phases: string;
  readonly verdicts: string;
  readonly verdict: Readonly<Record<Verdict, string>>;
  readonly invalidReason: Readonly<Record<PageInvalidReason, string>>;
  readonly detail: DetailWords;
  /** A short name per diagnosis: the detail of a row whose facts the report lacks (an older library). */
  readonly groupShort: Readonly<Record<ActionGroup, string>>;
  /** A duplicate row's amount cell: the claim's money is on the row it repeats. */
  readonly sameClaimAs: (ord: number) => string;
  readonly amountSource: Readonly<Record<AmountSource, string>>;
  readonly amountConflict: (amounts: string) => string;
  readonly ledgerState: Readonly<Record<LedgerState, string>>;
  readonly ledgerWhy: Readonly<Record<LedgerWhy, string>>;
  readonly ledger: {
    readonly title: string;
    readonly outcome: Readonly<Record<LedgerOutcome, string>>;
    readonly recorded: string;
    readonly wouldRecord: string;
    readonly gapsBeforeAfter: string;
    readonly gapsNote: (before: string, after: string | null) => string;
    readonly toRecord: (n: string, max: string) => string;
    readonly table: string;
  };
  readonly group: Readonly<Record<ActionGroup, Explained>>;
  readonly bucket: Readonly<Record<OverdueBucket, string>>;
  readonly footer: string;
}

export type RowColumn =
  | "ord"
  | "driver_id"
  | "lead_date"
  | "milestone_value"
  | "amount"
  | "verdict"
  | "reason"
  | "due_date"
  | "days_overdue"
  | "overdue_bucket"
  | "claim_status"
  | "duplicate_of"
  | "ledger"
  | "detail";

const en: HtmlMessages = {
  title: "Cabinet claims (14 days): reconciliation report",
  asOf: "as of",
  run: "run",
  status: { completed: "completed", skipped: "skipped", partial: "partial" },
  startedFinished: "started / finished (UTC)",
  dryRunBanner: "Dry run: nothing was refreshed. The money shown is what a refresh could still change.",
  skippedBanner: "Skipped: another run held the lock, so this run did nothing. See the other run's report.",
  partialBanner: "Partial: the time budget ran out. The report covers only the work done.",
  warnings: (n) => (n === 1 ? "1 warning" : `${n} warnings`),
  headline: "Headline",
  atRisk: "Money at risk",
  atRiskNote: "claims due and still absent (still missing, or a refresh would be tried); each claim once",
  stillMissing: "Still missing after the refresh",
  resolved: "Resolved by this run",
  collectNow: "15+ days overdue: collect now",
  collectNowNote: "money at risk whose claim fell due 15 days ago or more",
  notCovered: "not covered",
  notCoveredNote: (reach, minDaysBack) =>
    `this window reaches ${reach} days overdue at most; run with --days-back ${minDaysBack} or more`,
  claims: (n) => `${n} claims`,
  charts: "Where the money is",
  byDiagnosis: "Money at risk by diagnosis",
  byBucket: "Money at risk by days overdue",
  noMoneyAtRisk: "No money at risk in this run.",
  whatToDo: "What to do, diagnosis by diagnosis",
  whatToDoIntro: "Each table lists the claims at risk with one cause, most overdue first.",
  nothingToDo: "Nothing to do: no claim is at risk.",
  meaning: "Why",
  action: "What to do",
  moreRows: (shown, total) =>
    `Showing the ${shown} most overdue of ${total}; filter the full table below for the rest.`,
  allRows: "Every analysed row",
  allRowsIntro:
    'Click a column heading to sort; type or choose to filter. Money is shown once per claim: a lead uploaded twice shows — and its column "Same as #" names the row with the amount.',
  rowsCapped: (shown, total) =>
    `This page lists the first ${shown} of ${total} rows (a browser stays usable up to there); the CSV and JSON hold all of them.`,
  filter: "Filter",
  filterPlaceholder: "driver, date, detail…",
  any: "(any)",
  shown: "rows shown",
  sortHint: "sort",
  columns: {
    ord: "#",
    driver_id: "Driver",
    lead_date: "Lead date",
    milestone_value: "Milestone",
    amount: "Amount",
    verdict: "Verdict",
    reason: "Diagnosis / reason",
    due_date: "Due date",
    days_overdue: "Days overdue",
    overdue_bucket: "Bucket",
    claim_status: "claim_status",
    duplicate_of: "Same as #",
    ledger: "Claims ledger",
    detail: "Detail",
  },
  refresh: "Refresh: plan and results",
  refreshNotRun: "No refresh ran",
  refreshPlanEmpty: "No materialized view in the dependency closure: nothing a refresh could change.",
  refreshColumns: {
    step: "#",
    view: "Materialized view",
    stage: "Stage",
    mode: "Mode",
    why: "Why this mode",
    outcome: "Outcome",
    duration: "Duration",
  },
  claimsOfRows: (claims, rows) => `${claims} claims (${rows} rows)`,
  stage: { upstream: "upstream", dependent: "dependent" },
  modeReason: {
    "not populated": "not populated",
    "no unique index on plain columns without WHERE": "no unique index on plain columns without WHERE",
  },
  outcomeWords: {
    failed: (message, sqlstate) => (sqlstate ? `${message} (SQLSTATE ${sqlstate})` : message),
    skipped: (because) => `${because} was not refreshed`,
    out_of_time: "time budget exhausted",
    not_permitted: (role, owner) =>
      `role ${role} may not refresh it (it needs to own it, owner ${owner}, or hold MAINTAIN on PostgreSQL 17+)`,
    planned_not_permitted: (owner) => `owner ${owner}`,
  },
  refreshOutcome: {
    ok: "ok",
    fresh: "skipped: fresh",
    failed: "FAILED",
    skipped: "skipped",
    out_of_time: "not started: out of time",
    not_permitted: "NOT PERMITTED",
    planned: "planned",
  },
  parameters: "Parameters of the run",
  metrics: "Metrics (the runbook's names)",
  statusCounts: "Rows in the window per claim_status",
  phases: "Phases",
  verdicts: "Verdicts",
  verdict: {
    STILL_MISSING: "due, and still absent after the refresh",
    WOULD_REFRESH: "dry run: due and absent; a refresh could make it appear",
    RESOLVED: "the claim appeared after this run's refresh",
    ALREADY_EXISTS: "the claim was already there",
    INVALID: "not due: a canonical condition fails",
  },
  invalidReason: {
    NO_DRIVER: "no driver linked to the lead",
    NO_LEAD_DATE: "the lead has no date",
    NOT_ACHIEVED: "the milestone was not achieved",
    ACHIEVED_OUTSIDE_WINDOW: "achieved, but outside the 14-day window",
    ZERO_AMOUNT_RULE: "the partner rule in force pays S/ 0.00: nothing is owed",
    UNKNOWN_MILESTONE: "the milestone is unknown (not 1, 5 or 25) and the row has no amount",
  },
  detail: {
    NO_DRIVER: "the gap row has no driver_id",
    NO_LEAD_DATE: "the gap row has no lead_date",
    NOT_ACHIEVED: (m, flag) =>
      flag === null
        ? `the canonical achieved view has no row for M${m}`
        : `the canonical achieved view says M${m} was not achieved`,
    ACHIEVED_OUTSIDE_WINDOW: (achieved, window) => `achieved ${achieved}, outside the window ${window}`,
    CLAIM_ON_OTHER_LEAD_DATE: (other, lead) =>
      `the claim exists under lead date ${other}; this row has ${lead}`,
    NO_PAYMENT_CALCULATION: (m, lead) =>
      `no cabinet/partner payment calculation for M${m} at lead date ${lead}`,
    PAYMENT_CALCULATION_NOT_ACHIEVED: (m, achieved, trips, window) =>
      achieved === null
        ? `the payment calculation does not count M${m} as achieved; ${trips} trips in the window`
        : `the payment calculation counts it achieved ${achieved}, outside the window ${window}`,
    TRIPS_OUTSIDE_WINDOW: (trips, m, window) => `${trips} trips in the window ${window}, fewer than ${m}`,
    CLAIMS_VIEW_MISSING: (achieved, trips) =>
      `achieved ${achieved}, ${trips} trips in the window; the claims view has no row`,
    REFRESH_FAILED: (view, data) => `refresh of ${view} failed (see Refresh); the data as it is: ${data}`,
    RESOLVED: (before) => `before the refresh: ${before}`,
    ZERO_AMOUNT_RULE: (m, lead, amount) => `the rule in force for M${m} at lead date ${lead} pays ${amount}`,
    UNKNOWN_MILESTONE: (m) => `milestone ${m} is not 1, 5 or 25 and the gap view gives no amount`,
  },
  groupShort: {
    REFRESH_FAILED: "a refresh this claim depends on failed",
    CLAIM_ON_OTHER_LEAD_DATE: "the claim exists under another lead date",
    NO_PAYMENT_CALCULATION: "no payment calculation for this lead date",
    PAYMENT_CALCULATION_NOT_ACHIEVED: "the payment calculation does not count it achieved in the window",
    TRIPS_OUTSIDE_WINDOW: "too few trips inside the window",
    CLAIMS_VIEW_MISSING: "every source agrees; the claims view lacks it",
    WOULD_REFRESH: "a refresh could make it appear",
  },
  sameClaimAs: (ord) => `= #${ord}`,
  amountSource: { rule: "rule", gap_view: "gap view", milestone: "milestone" },
  amountConflict: (amounts) => `rules: ${amounts}`,
  ledgerState: {
    recorded: "recorded",
    would_record: "would record",
    present: "in the ledger",
    not_recorded: "not recorded",
  },
  ledgerWhy: {
    NOT_PROVEN: "not proven",
    NO_PERSON_KEY: "no person_key",
    INVALID_PERSON_KEY: "person_key is not a uuid, as the ledger's is",
    NO_RULE_AMOUNT: "no rule amount",
    AMOUNT_CONFLICT: "amounts conflict",
    MISSING_VALUE: "a value is missing",
    OVER_MAX_RECORD: "over --max-record",
    NOT_PERMITTED: "no INSERT",
    WRITE_FAILED: "write failed",
  },
  ledger: {
    title: "Claims ledger",
    outcome: {
      recorded: "Recorded: the proven claims are in the claims ledger.",
      would_record: "Dry run: nothing written; these claims would be recorded.",
      nothing_to_record: "Nothing to record: every proven claim is already in the ledger.",
      not_permitted: "NOT RECORDED: the job's role may not INSERT into the ledger.",
      over_max_record: "NOT RECORDED: more claims to record than --max-record; nothing was written.",
      write_failed: "NOT RECORDED: the write failed and was rolled back; nothing was written.",
    },
    recorded: "Recorded in the ledger",
    wouldRecord: "Would be recorded",
    gapsBeforeAfter: "Gap view rows in the window",
    gapsNote: (before, after) =>
      after === null ? `${before} before; not counted again` : `${before} before the run, ${after} after`,
    toRecord: (n, max) => `${n} proven claims to record (at most ${max} per run)`,
    table: "ledger",
  },
  group: {
    REFRESH_FAILED: {
      meaning: "A materialized view this claim depends on failed to refresh, so the claim could not appear.",
      action:
        "Fix the failed refresh (see Refresh below: permission, lock or timeout), then run the job again. The detail also says what the data shows besides.",
    },
    CLAIM_ON_OTHER_LEAD_DATE: {
      meaning:
        "The claims view has this driver and milestone under another lead date (the payment calculation takes the earliest lead event, e.g. a scouting registration).",
      action:
        "Check which lead date is right. The claim exists under the other date: collect it there, or correct the lead event, but do not claim it twice.",
    },
    NO_PAYMENT_CALCULATION: {
      meaning:
        "The payment calculation has no cabinet partner row for this driver, milestone and lead date: no active rule covers the lead date, or the lead was not ingested.",
      action:
        "Check the payment rules valid on the lead date (valid_from, valid_to, is_active) and that the lead's event was ingested; then run the job again.",
    },
    PAYMENT_CALCULATION_NOT_ACHIEVED: {
      meaning:
        "The payment calculation has the row but does not count the milestone as achieved inside the window.",
      action:
        "Compare the driver's daily trips with the payment calculation's running total (rule windows, trip dates written in another format).",
    },
    TRIPS_OUTSIDE_WINDOW: {
      meaning:
        "summary_daily holds fewer trips inside [lead date, lead date + 14) than the milestone, while the canonical view says it was achieved.",
      action:
        "Do not collect yet: the canonical achieved view may count trips twice or include day 14. Raise it with the owners of the payment calculation.",
    },
    CLAIMS_VIEW_MISSING: {
      meaning: "Every upstream source agrees the claim is due, yet the claims view lacks it.",
      action:
        "Escalate to the owners of the claims view (its filters, joins, or a stale copy it reads) with the rows below.",
    },
    WOULD_REFRESH: {
      meaning: "Dry run: the claim is due and absent, and a refresh of the views could make it appear.",
      action: "Run the job without --dry-run; whatever stays missing will carry its diagnosis.",
    },
  },
  bucket: {
    "0_not_due": "not due yet",
    "1_7": "1–7 days overdue",
    "8_14": "8–14 days overdue",
    "15_30": "15–30 days overdue",
    "31_60": "31–60 days overdue",
    "60_plus": "more than 60 days overdue",
  },
  footer: "Generated by reconcile-cabinet-claims-14d. Dates are ISO (YYYY-MM-DD); codes are the job's own.",
};

const es: HtmlMessages = {
  title: "Reclamos de cabinet (14 días): informe de conciliación",
  asOf: "al",
  run: "ejecución",
  status: { completed: "completada", skipped: "omitida", partial: "parcial" },
  startedFinished: "inicio / fin (UTC)",
  dryRunBanner:
    "Simulación (dry run): no se refrescó nada. El dinero mostrado es lo que un refresco aún podría cambiar.",
  skippedBanner:
    "Omitida: otra ejecución tenía el bloqueo, así que esta no hizo nada. Vea el informe de la otra ejecución.",
  partialBanner: "Parcial: se agotó el tiempo disponible. El informe cubre solo el trabajo hecho.",
  warnings: (n) => (n === 1 ? "1 advertencia" : `${n} advertencias`),
  headline: "Resumen",
  atRisk: "Dinero en riesgo",
  atRiskNote:
    "reclamos vencidos que siguen ausentes (pendientes, o se intentaría un refresco); cada reclamo una vez",
  stillMissing: "Siguen faltando tras el refresco",
  resolved: "Resueltos en esta ejecución",
  collectNow: "Vencidos hace 15+ días: cobrar ya",
  collectNowNote: "dinero en riesgo cuyo reclamo venció hace 15 días o más",
  notCovered: "sin cobertura",
  notCoveredNote: (reach, minDaysBack) =>
    `esta ventana llega a ${reach} días de atraso como máximo; ejecute con --days-back ${minDaysBack} o más`,
  claims: (n) => `${n} reclamos`,
  charts: "Dónde está el dinero",
  byDiagnosis: "Dinero en riesgo por diagnóstico",
  byBucket: "Dinero en riesgo por días de atraso",
  noMoneyAtRisk: "No hay dinero en riesgo en esta ejecución.",
  whatToDo: "Qué hacer, diagnóstico por diagnóstico",
  whatToDoIntro: "Cada tabla lista los reclamos en riesgo con una misma causa, los más atrasados primero.",
  nothingToDo: "Nada que hacer: ningún reclamo está en riesgo.",
  meaning: "Por qué",
  action: "Qué hacer",
  moreRows: (shown, total) =>
    `Se muestran los ${shown} más atrasados de ${total}; filtre la tabla completa de abajo para ver el resto.`,
  allRows: "Todas las filas analizadas",
  allRowsIntro:
    'Haga clic en un encabezado para ordenar; escriba o elija para filtrar. El dinero se muestra una vez por reclamo: un lead cargado dos veces muestra — y su columna "Igual a #" indica la fila con el monto.',
  rowsCapped: (shown, total) =>
    `Esta página lista las primeras ${shown} de ${total} filas (hasta ahí un navegador sigue usable); el CSV y el JSON las tienen todas.`,
  filter: "Filtrar",
  filterPlaceholder: "conductor, fecha, detalle…",
  any: "(todos)",
  shown: "filas mostradas",
  sortHint: "ordenar",
  columns: {
    ord: "#",
    driver_id: "Conductor",
    lead_date: "Fecha del lead",
    milestone_value: "Hito",
    amount: "Monto",
    verdict: "Veredicto",
    reason: "Diagnóstico / motivo",
    due_date: "Vencimiento",
    days_overdue: "Días de atraso",
    overdue_bucket: "Tramo",
    claim_status: "claim_status",
    duplicate_of: "Igual a #",
    ledger: "Libro de reclamos",
    detail: "Detalle",
  },
  refresh: "Refresco: plan y resultados",
  refreshNotRun: "No se ejecutó ningún refresco",
  refreshPlanEmpty:
    "Ninguna vista materializada en la cadena de dependencias: un refresco no podría cambiar nada.",
  refreshColumns: {
    step: "#",
    view: "Vista materializada",
    stage: "Etapa",
    mode: "Modo",
    why: "Por qué este modo",
    outcome: "Resultado",
    duration: "Duración",
  },
  claimsOfRows: (claims, rows) => `${claims} reclamos (${rows} filas)`,
  stage: { upstream: "previa", dependent: "dependiente" },
  modeReason: {
    "not populated": "sin poblar",
    "no unique index on plain columns without WHERE": "sin índice único sobre columnas simples y sin WHERE",
  },
  outcomeWords: {
    failed: (message, sqlstate) => (sqlstate ? `${message} (SQLSTATE ${sqlstate})` : message),
    skipped: (because) => `no se refrescó ${because}`,
    out_of_time: "se agotó el tiempo disponible",
    not_permitted: (role, owner) =>
      `el rol ${role} no puede refrescarla (debe ser su dueño, ${owner}, o tener MAINTAIN en PostgreSQL 17+)`,
    planned_not_permitted: (owner) => `dueño ${owner}`,
  },
  refreshOutcome: {
    ok: "ok",
    fresh: "omitido: al día",
    failed: "FALLÓ",
    skipped: "omitido",
    out_of_time: "no iniciado: sin tiempo",
    not_permitted: "SIN PERMISO",
    planned: "planificado",
  },
  parameters: "Parámetros de la ejecución",
  metrics: "Métricas (nombres del runbook)",
  statusCounts: "Filas en la ventana por claim_status",
  phases: "Fases",
  verdicts: "Veredictos",
  verdict: {
    STILL_MISSING: "corresponde, y sigue ausente tras el refresco",
    WOULD_REFRESH: "simulación: corresponde y está ausente; un refresco podría hacerlo aparecer",
    RESOLVED: "el reclamo apareció tras el refresco de esta ejecución",
    ALREADY_EXISTS: "el reclamo ya existía",
    INVALID: "no corresponde: falla una condición canónica",
  },
  invalidReason: {
    NO_DRIVER: "el lead no tiene conductor vinculado",
    NO_LEAD_DATE: "el lead no tiene fecha",
    NOT_ACHIEVED: "el hito no se alcanzó",
    ACHIEVED_OUTSIDE_WINDOW: "alcanzado, pero fuera de la ventana de 14 días",
    ZERO_AMOUNT_RULE: "la regla de partner vigente paga S/ 0.00: no se debe nada",
    UNKNOWN_MILESTONE: "el hito es desconocido (no es 1, 5 ni 25) y la fila no trae monto",
  },
  detail: {
    NO_DRIVER: "la fila de brecha no tiene driver_id",
    NO_LEAD_DATE: "la fila de brecha no tiene lead_date",
    NOT_ACHIEVED: (m, flag) =>
      flag === null
        ? `la vista canónica de hitos no tiene fila para M${m}`
        : `la vista canónica de hitos dice que M${m} no se alcanzó`,
    ACHIEVED_OUTSIDE_WINDOW: (achieved, window) => `alcanzado el ${achieved}, fuera de la ventana ${window}`,
    CLAIM_ON_OTHER_LEAD_DATE: (other, lead) =>
      `el reclamo existe con fecha de lead ${other}; esta fila tiene ${lead}`,
    NO_PAYMENT_CALCULATION: (m, lead) =>
      `sin cálculo de pagos cabinet/partner para M${m} con fecha de lead ${lead}`,
    PAYMENT_CALCULATION_NOT_ACHIEVED: (m, achieved, trips, window) =>
      achieved === null
        ? `el cálculo de pagos no da M${m} por alcanzado; ${trips} viajes en la ventana`
        : `el cálculo de pagos lo da por alcanzado el ${achieved}, fuera de la ventana ${window}`,
    TRIPS_OUTSIDE_WINDOW: (trips, m, window) => `${trips} viajes en la ventana ${window}, menos de ${m}`,
    CLAIMS_VIEW_MISSING: (achieved, trips) =>
      `alcanzado el ${achieved}, ${trips} viajes en la ventana; la vista de reclamos no tiene la fila`,
    REFRESH_FAILED: (view, data) =>
      `falló el refresco de ${view} (vea Refresco); los datos tal como están: ${data}`,
    RESOLVED: (before) => `antes del refresco: ${before}`,
    ZERO_AMOUNT_RULE: (m, lead, amount) =>
      `la regla vigente para M${m} con fecha de lead ${lead} paga ${amount}`,
    UNKNOWN_MILESTONE: (m) => `el hito ${m} no es 1, 5 ni 25 y la vista de brechas no da monto`,
  },
  groupShort: {
    REFRESH_FAILED: "falló un refresco del que depende el reclamo",
    CLAIM_ON_OTHER_LEAD_DATE: "el reclamo existe con otra fecha de lead",
    NO_PAYMENT_CALCULATION: "sin cálculo de pagos para esta fecha de lead",
    PAYMENT_CALCULATION_NOT_ACHIEVED: "el cálculo de pagos no lo da por alcanzado en la ventana",
    TRIPS_OUTSIDE_WINDOW: "pocos viajes dentro de la ventana",
    CLAIMS_VIEW_MISSING: "todas las fuentes coinciden; falta en la vista de reclamos",
    WOULD_REFRESH: "un refresco podría hacerlo aparecer",
  },
  sameClaimAs: (ord) => `= #${ord}`,
  amountSource: { rule: "regla", gap_view: "vista de brechas", milestone: "por hito" },
  amountConflict: (amounts) => `reglas: ${amounts}`,
  ledgerState: {
    recorded: "registrado",
    would_record: "se registraría",
    present: "ya en el libro",
    not_recorded: "no registrado",
  },
  ledgerWhy: {
    NOT_PROVEN: "no probado",
    NO_PERSON_KEY: "sin person_key",
    INVALID_PERSON_KEY: "person_key no es un uuid, como el del libro",
    NO_RULE_AMOUNT: "sin monto de regla",
    AMOUNT_CONFLICT: "montos en conflicto",
    MISSING_VALUE: "falta un valor",
    OVER_MAX_RECORD: "supera --max-record",
    NOT_PERMITTED: "sin INSERT",
    WRITE_FAILED: "falló la escritura",
  },
  ledger: {
    title: "Libro de reclamos",
    outcome: {
      recorded: "Registrado: los reclamos probados están en el libro de reclamos.",
      would_record: "Simulación: no se escribió nada; estos reclamos se registrarían.",
      nothing_to_record: "Nada que registrar: cada reclamo probado ya está en el libro.",
      not_permitted: "NO REGISTRADO: el rol del job no puede hacer INSERT en el libro.",
      over_max_record: "NO REGISTRADO: hay más reclamos por registrar que --max-record; no se escribió nada.",
      write_failed: "NO REGISTRADO: la escritura falló y se revirtió; no se escribió nada.",
    },
    recorded: "Registrados en el libro",
    wouldRecord: "Se registrarían",
    gapsBeforeAfter: "Filas de la vista de brechas en la ventana",
    gapsNote: (before, after) =>
      after === null
        ? `${before} antes; no se volvió a contar`
        : `${before} antes de la ejecución, ${after} después`,
    toRecord: (n, max) => `${n} reclamos probados por registrar (como máximo ${max} por ejecución)`,
    table: "libro",
  },
  group: {
    REFRESH_FAILED: {
      meaning:
        "Falló el refresco de una vista materializada de la que depende este reclamo, así que no pudo aparecer.",
      action:
        "Corrija el refresco fallido (vea Refresco abajo: permiso, bloqueo o tiempo límite) y vuelva a ejecutar el job. El detalle dice además qué muestran los datos.",
    },
    CLAIM_ON_OTHER_LEAD_DATE: {
      meaning:
        "La vista de reclamos tiene este conductor e hito con otra fecha de lead (el cálculo de pagos toma el evento de lead más antiguo, p. ej. un registro de scouting).",
      action:
        "Verifique cuál fecha de lead es la correcta. El reclamo existe con la otra fecha: cóbrelo ahí o corrija el evento, pero no lo reclame dos veces.",
    },
    NO_PAYMENT_CALCULATION: {
      meaning:
        "El cálculo de pagos no tiene fila cabinet/partner para este conductor, hito y fecha de lead: ninguna regla activa cubre la fecha, o el lead no se ingirió.",
      action:
        "Revise las reglas de pago vigentes en la fecha del lead (valid_from, valid_to, is_active) y que el evento del lead se haya ingerido; luego vuelva a ejecutar.",
    },
    PAYMENT_CALCULATION_NOT_ACHIEVED: {
      meaning:
        "El cálculo de pagos tiene la fila pero no cuenta el hito como alcanzado dentro de la ventana.",
      action:
        "Compare los viajes diarios del conductor con el total acumulado del cálculo de pagos (ventanas de las reglas, fechas de viaje en otro formato).",
    },
    TRIPS_OUTSIDE_WINDOW: {
      meaning:
        "summary_daily tiene menos viajes dentro de [fecha del lead, fecha del lead + 14) que el hito, aunque la vista canónica dice que se alcanzó.",
      action:
        "No cobrar todavía: la vista canónica de hitos puede contar viajes dos veces o incluir el día 14. Consúltelo con los dueños del cálculo de pagos.",
    },
    CLAIMS_VIEW_MISSING: {
      meaning:
        "Todas las fuentes coinciden en que el reclamo corresponde, pero la vista de reclamos no lo tiene.",
      action:
        "Escale a los dueños de la vista de reclamos (sus filtros, joins o una copia desactualizada que lee) con las filas de abajo.",
    },
    WOULD_REFRESH: {
      meaning:
        "Simulación: el reclamo corresponde y está ausente, y un refresco de las vistas podría hacerlo aparecer.",
      action: "Ejecute el job sin --dry-run; lo que siga faltando llevará su diagnóstico.",
    },
  },
  bucket: {
    "0_not_due": "aún no vence",
    "1_7": "1–7 días de atraso",
    "8_14": "8–14 días de atraso",
    "15_30": "15–30 días de atraso",
    "31_60": "31–60 días de atraso",
    "60_plus": "más de 60 días de atraso",
  },
  footer:
    "Generado por reconcile-cabinet-claims-14d. Las fechas son ISO (AAAA-MM-DD); los códigos son los del job.",
};

export const HTML_MESSAGES: Readonly<Record<Lang, HtmlMessages>> = { en, es };
