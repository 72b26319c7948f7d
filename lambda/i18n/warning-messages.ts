/**
 * The run's warnings in the operator's language, for the HTML page and the CLI. English is the core's one
 * wording (`WARNING_TEXT_EN`, the JSON report's `warnings` and the log); Spanish is written here. Each is a
 * `WarningWording`, a record over every warning code, so a code without its Spanish does not compile.
 * View names, roles, statuses, codes, numbers and dates are printed as they are; a message PostgreSQL
 * wrote (a failed refresh's) is quoted as it came.
 */
import type { RunWarning } from "../core/types.js";
import { sayWarning, WARNING_TEXT_EN, type WarningWording } from "../core/warnings.js";
import type { Lang } from "./lang.js";

const es: WarningWording = {
  window_empty: (w) =>
    `la vista de brechas no tiene filas con lead_date >= ${w.asOf} - ${w.daysBack} días: revise la vista, la fecha de corte (as-of) y los filtros`,
  no_gap_status: (w) => {
    const seen = Object.entries(w.byStatus)
      .map(([status, n]) => `${status}=${n}`)
      .join(", ");
    return `ninguna fila de la ventana tiene un estado de brecha (${w.gapStatuses.join(", ")}), pero hay ${w.total} filas con los estados ${seen}: si alguno significa "brecha", agréguelo a los estados de brecha`;
  },
  unreadable_trip_dates: (w) =>
    `${w.count} filas de summary_daily de los conductores analizados tienen un date_file en ningún formato aceptado (DD-MM-YYYY, YYYY-MM-DD) o una fecha imposible (p. ej. "${w.example}"); sus viajes no se cuentan`,
  iso_trip_dates: (w) =>
    `${w.count} filas de summary_daily de los conductores analizados, dentro de sus ventanas, están escritas YYYY-MM-DD: el job cuenta sus viajes, pero las vistas que solo leen DD-MM-YYYY no, así que a esas vistas les puede faltar un hito antes de que la vista de brechas lo muestre`,
  refresh_not_permitted: (w) => {
    const views = w.views.map((v) => `${v.name} (dueño ${v.owner})`).join(", ");
    const them = w.views.length === 1 ? "la registraría como fallida" : "las registraría como fallidas";
    return `el rol ${w.role} no puede refrescar ${views}: una ejecución real ${them}; para refrescar hay que ser dueño de la vista, o tener MAINTAIN en PostgreSQL 17+`;
  },
  looks_like_gap: (w) =>
    `${w.count} filas con claim_status "${w.status}" (no es un estado de brecha) no tienen reclamo, aunque la vista canónica dice que el hito se alcanzó dentro de la ventana`,
  limit_cut: (w) =>
    `la ventana tiene ${w.inWindow} filas pero el límite conserva las ${w.limit} más recientes: las ${w.inWindow - w.limit} más antiguas, las más vencidas, no se analizan y su dinero no está en ningún monto de esta ejecución; aumente el límite`,
  claimed_gaps: (w) =>
    `${w.count} filas con estado de brecha ya tienen su reclamo en la vista de reclamos (ALREADY_EXISTS): la vista de brechas decide si el reclamo existe con otra fuente, así que estas filas nunca saldrán de ella`,
  time_budget_exhausted: (w) => {
    const what =
      w.cause.kind === "refresh"
        ? `el refresco de ${w.cause.view} ${w.cause.how === "not_started" ? "no llegó a empezar" : "quedó interrumpido"}`
        : w.cause.detail;
    return `se agotó el tiempo disponible: ${what}; el informe cubre solo el trabajo hecho hasta ese momento`;
  },
  refresh_failed: (w) => {
    const o = w.outcome;
    const why =
      o.kind === "failed"
        ? `${o.message}${o.sqlstate ? ` (SQLSTATE ${o.sqlstate})` : ""}`
        : `sin permiso: el rol ${o.role} no puede refrescarla (debe ser su dueño, que es ${o.owner}, o tener MAINTAIN en PostgreSQL 17+)`;
    return `falló el refresco de ${w.view} (${w.stage}): ${why}`;
  },
  gap_view_priced_otherwise: (w) =>
    `${w.count} filas tienen en la vista de brechas un expected_amount distinto del monto de su regla de socio vigente: el informe usa el monto de la regla`,
  zero_rule_claims: (w) =>
    `${w.count} reclamos que tiene la vista de reclamos son de una regla de socio que paga 0.00: no se debe nada por ellos (INVALID ZERO_AMOUNT_RULE)`,
  amount_conflicts: (w) =>
    `${w.count} filas tienen reglas de socio vigentes que pagan montos distintos: se cuenta el mayor y ninguna se registra`,
  unknown_milestones: (w) =>
    `${w.count} filas tienen un hito NULL o distinto de 1, 5 o 25 y ningún monto: INVALID UNKNOWN_MILESTONE, no se cuenta dinero`,
  ledger_decided_against: (w) => {
    const shown = w.examples
      .map((e) => `${e.person_key} ${e.lead_date} M${e.milestone} ${e.status}`)
      .join("; ");
    return `${w.count} reclamos que tiene la vista de reclamos están rechazados o vencidos (rejected / expired) en el registro de reclamos (${shown}${w.count > w.examples.length ? "; ..." : ""}): una persona lo decidió, el job no los toca y seguirán en la vista de brechas`;
  },
  ledger_blocked: (w) => {
    const what = w.dryRun ? "que una ejecución real no podría registrar" : "sin registrar";
    return `${w.toRecord} reclamos probados ${what} en ${w.table}: ${w.detail}`;
  },
};

export const WARNING_WORDING: Readonly<Record<Lang, WarningWording>> = { en: WARNING_TEXT_EN, es };

/** A warning in the given language. */
export function warningIn(lang: Lang, warning: RunWarning): string {
  return sayWarning(WARNING_WORDING[lang], warning);
}

/**
 * The warnings of a report in the given language: from `warning_details` when the report has them (every
 * report this version writes), else its English `warnings` as they are (a report from an older version).
 */
export function reportWarnings(
  report: { readonly warnings: readonly string[]; readonly warning_details?: readonly RunWarning[] },
  lang: Lang,
): string[] {
  const details = report.warning_details;
  if (!details || details.length !== report.warnings.length) return [...report.warnings];
  return details.map((w) => warningIn(lang, w));
}
