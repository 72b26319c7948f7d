/**
 * The event, whoever sent it, turned into run parameters before anything else happens:
 *
 * - EventBridge Scheduler, Step Functions and a manual `aws lambda invoke` pass the parameters as they are
 *   (`{"daysBack":21,"limit":1000}`);
 * - an EventBridge *rule* wraps them in an envelope (`version`, `id`, `detail-type`, `source`, `time`,
 *   `detail`...), unwrapped with the Powertools parser; a rule's "Scheduled Event" has `detail: {}`;
 * - an empty payload (`null`, `""`, `{}`) means every default.
 *
 * Anything else is an `InputError` listing each bad field; the database is not touched.
 */
import { EventBridgeEnvelope } from "@aws-lambda-powertools/parser/envelopes/eventbridge";
import * as z from "zod";
import { ZodError } from "zod";
import { InputError } from "../errors.js";
import { parseRunParameters, type RunParameters } from "../params.js";

export type EventSource = "eventbridge-rule" | "direct";

export interface ParsedEvent {
  /** Where the parameters came from (logged; the event itself never is). */
  source: EventSource;
  params: RunParameters;
}

/** An EventBridge rule's envelope is recognised by its `detail-type` key, which no parameter has. */
function isEnvelope(event: unknown): event is Record<string, unknown> {
  return typeof event === "object" && event !== null && !Array.isArray(event) && "detail-type" in event;
}

export function parseEvent(event: unknown): ParsedEvent {
  if (event === undefined || event === null || event === "") {
    return { source: "direct", params: parseRunParameters({}) };
  }
  if (!isEnvelope(event)) return { source: "direct", params: parseRunParameters(event) };

  const result = EventBridgeEnvelope.safeParse(event, z.unknown());
  if (!result.success) {
    const cause = result.error.cause;
    const issues =
      cause instanceof ZodError
        ? cause.issues.map((issue) => ({
            field: issue.path.length > 0 ? issue.path.map(String).join(".") : "(envelope)",
            message: issue.code === "invalid_type" ? `must be ${issue.expected}` : issue.message,
          }))
        : [{ field: "(envelope)", message: "is not an EventBridge event" }];
    const text = issues.map((i) => `${i.field} ${i.message}`).join("; ");
    throw new InputError(`invalid EventBridge envelope: ${text}`, issues);
  }
  try {
    return { source: "eventbridge-rule", params: parseRunParameters(result.data ?? {}) };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // Name the fields as they sit in the event, so the rule's input can be fixed where it is written.
    const issues = error.issues.map((i) => ({ field: `detail.${i.field}`, message: i.message }));
    const text = issues.map((i) => `${i.field} ${i.message}`).join("; ");
    throw new InputError(`invalid parameters: ${text}`, issues);
  }
}
