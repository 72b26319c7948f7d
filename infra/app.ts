import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { ReconcileStack } from "./stack.js";
import { type ContextKey, configFromContext } from "./stack-config.js";

/**
 * The CDK app: one stack per environment name, configured from context (`cdk.json`, `-c key=value`), with
 * the AWS Solutions rules of cdk-nag checked on every synth (a finding not acknowledged in code fails it).
 */
const app = new App();
const config = configFromContext((key: ContextKey) => app.node.tryGetContext(key));
new ReconcileStack(app, `ReconcileCabinetClaims14d-${config.envName}`, {
  config,
  description: `Cabinet 14-day claims reconcile job (${config.envName}): schedule, function, reports, alarms`,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
