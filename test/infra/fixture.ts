import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { ReconcileStack } from "../../infra/stack.js";
import { type ContextKey, configFromContext } from "../../infra/stack-config.js";

/**
 * Time for one synthesis on a busy 2-core machine. Synthesizing the stack takes 2-4 s idle; under load it
 * was 8-40 s (the first in a worker also loads aws-cdk-lib, and the default stack bundles the handler
 * in a child process). Given where a synthesis runs (a `beforeAll` or a test), never as a global default.
 */
export const SYNTH_TIMEOUT_MS = 240_000;

/** The context `cdk synth` sees: cdk.json's defaults and feature flags. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(new URL("../../cdk.json", import.meta.url), "utf8"),
).context;

export interface Built {
  app: App;
  stack: ReconcileStack;
  template: Template;
}

/**
 * Builds the stack as the app does, from cdk.json's context plus `context`. `bundle: false` skips esbuild
 * for variants whose assertions do not look at the code asset.
 */
export function buildStack(context: Record<string, unknown> = {}, options: { bundle?: boolean } = {}): Built {
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...context,
      ...(options.bundle === false ? { "aws:cdk:bundling-stacks": [] } : {}),
    },
  });
  const config = configFromContext((key: ContextKey) => app.node.tryGetContext(key));
  const stack = new ReconcileStack(app, `ReconcileCabinetClaims14d-${config.envName}`, { config });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Synthesized CloudFormation is untyped JSON; tests navigate it freely and assert on what they find. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Props = Record<string, any>;
type Resource = { Type: string; Properties: Props };

export function resourcesOfType(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.findResources(type)) as Array<[string, Resource]>;
}

/** The properties of the one resource of `type` (fails when there is not exactly one). */
export function onlyResource(template: Template, type: string): Props {
  const found = resourcesOfType(template, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return (found[0] as [string, Resource])[1].Properties;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
}

/** Every IAM policy statement in the template, with the logical id of the policy that holds it. */
export function policyStatements(template: Template): Array<{ policy: string; statement: Statement }> {
  return resourcesOfType(template, "AWS::IAM::Policy").flatMap(([policy, resource]) =>
    (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement.map((statement) => ({
      policy,
      statement,
    })),
  );
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resourcesOf = (s: Statement): unknown[] =>
  Array.isArray(s.Resource) ? s.Resource : [s.Resource];

/**
 * A `Fn::Join` of literal strings and tokens rendered to one string, each token as `<Logical.Attr>` or
 * `<Ref>` (as cdk-nag prints them): enough to parse a state machine definition or compare a policy resource.
 */
export function renderJoin(value: unknown): string {
  if (typeof value === "string") return value;
  const v = value as Record<string, unknown>;
  if (v["Fn::Join"]) {
    const [sep, parts] = v["Fn::Join"] as [string, unknown[]];
    return parts.map(renderJoin).join(sep);
  }
  if (v["Fn::GetAtt"]) return `<${(v["Fn::GetAtt"] as string[]).join(".")}>`;
  if (v.Ref) return `<${v.Ref as string}>`;
  return JSON.stringify(value);
}
