import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { buildStack, SYNTH_TIMEOUT_MS } from "./fixture.js";

/** Each unacknowledged finding as `rule at construct path`, so a failure says what to fix. */
function findings(stack: Parameters<AwsSolutionsChecks["validateScope"]>[0]) {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
  );
}

describe("cdk-nag AwsSolutions", { timeout: SYNTH_TIMEOUT_MS }, () => {
  it("has no unacknowledged finding in the default stack", () => {
    const { stack } = buildStack({}, { bundle: false });
    expect(findings(stack)).toEqual([]);
  });

  it("has no unacknowledged finding with a VPC, a secret ARN and an e-mail subscription", () => {
    const { stack } = buildStack(
      {
        envName: "prod",
        dbSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbC123",
        vpcId: "vpc-0123456789abcdef0",
        subnetIds: "subnet-0123456789abcdef1,subnet-0123456789abcdef2",
        alarmEmail: "ops@example.com",
      },
      { bundle: false },
    );
    expect(findings(stack)).toEqual([]);
  });

  it("still reports a finding that nobody acknowledged (the check is live)", async () => {
    const { stack } = buildStack({}, { bundle: false });
    const { aws_sqs: sqs } = await import("aws-cdk-lib");
    new sqs.Queue(stack, "UnacknowledgedQueue");
    expect(findings(stack)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^error AwsSolutions-SQS3 at .*UnacknowledgedQueue/)]),
    );
  });
});
