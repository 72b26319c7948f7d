/**
 * The words of the HTML report, in English and Spanish. One interface, so a message missing in one
 * language is a compile error. Codes (verdicts, diagnoses, buckets, metric names) are printed as they are
 * and only explained here.
 */
import type { OverdueBucket } from "../core/aging.js";
import type { Diagnosis, InvalidReason, Verdict } from "../core/types.js";
import type { Lang } from "./lang.js";

export interface Explained {
  /** What the code means, in one sentence. */
  readonly meaning: string;
  /** What an operator does about it. */
  readonly action: string;
}

/** The group a row at risk is listed under: its diagnosis, or `WOULD_REFRESH` in a dry run without one. */
export type ActionGroup = Diagnosis | "WOULD_REFRESH";

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
  readonly refreshOutcome: Readonly<
    Record<"ok" | "fresh" | "failed" | "skipped" | "out_of_time" | "not_permitted" | "planned", string>
  >;
  readonly parameters: string;
  readonly metrics: string;
  readonly statusCounts: string;
  readonly phases: string;
  readonly verdicts: string;
  readonly verdict: Readonly<Record<Verdict, string>>;
  readonly invalidReason: Readonly<Record<InvalidReason, string>>;
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
  allRowsIntro: "Click a column heading to sort; type or choose to filter.",
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
    duplicate_of: "Same claim as #",
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
  allRowsIntro: "Haga clic en un encabezado para ordenar; escriba o elija para filtrar.",
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
    duplicate_of: "Mismo reclamo que #",
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
