import { type CfnElement, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { IConstruct } from "constructs";

/**
 * cdk-nag (AwsSolutions) findings that remain by design, each acknowledged on the one construct it is
 * about, with the reason. IDs are built from logical ids, as cdk-nag spells them
 * (`AwsSolutions-IAM5[Resource::<Logical.Arn>:*]`), so an acknowledgement never covers a new finding.
 */
export interface NagSubjects {
  /** Queues that receive failed invocations: the Lambda on-failure destination and the schedule's DLQ. */
  failureQueues: IConstruct[];
  /** The function's role, its reports bucket and the key prefix it may write under. */
  functionRole: iam.Role;
  outputBucket: IConstruct;
  outputPrefix: string;
  /** The function invoked by the schedule and by the state machine. */
  function: IConstruct;
  stateMachineRole: iam.IRole;
}

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** `<LogicalId.Arn>`: how cdk-nag prints a `Fn::GetAtt [LogicalId, Arn]` inside a finding. */
function arnRef(construct: IConstruct): string {
  const resource = construct.node.defaultChild as CfnElement | undefined;
  if (!resource) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return `<${Stack.of(construct).getLogicalId(resource)}.Arn>`;
}

function defaultPolicy(role: iam.IRole): IConstruct {
  const policy = role.node.tryFindChild("DefaultPolicy");
  if (!policy) throw new Error(`${role.node.path} has no default policy`);
  return policy;
}

/** The roles EventBridge Scheduler targets create for themselves (one per target function). */
function schedulerTargetRoles(stack: Stack): iam.Role[] {
  return stack.node.children.filter(
    (child): child is iam.Role =>
      child instanceof iam.Role && child.node.id.startsWith("SchedulerRoleForTarget"),
  );
}

export function acknowledgeFindings(stack: Stack, subjects: NagSubjects): void {
  for (const queue of subjects.failureQueues) {
    acknowledge(
      queue,
      "AwsSolutions-SQS3",
      "This queue is itself the end of the line for failed invocations (Lambda on-failure destination or " +
        "Scheduler dead-letter queue); a DLQ behind it would only move the same messages again.",
    );
  }

  acknowledge(
    defaultPolicy(subjects.functionRole),
    `AwsSolutions-IAM5[Resource::${arnRef(subjects.outputBucket)}/${subjects.outputPrefix}/*]`,
    "Reports have run-specific keys (<prefix>/dt=YYYY-MM-DD/<run_id>.json|csv) unknown at deploy time; the " +
      "wildcard is limited to the report prefix and to PutObject and multipart-upload clean-up.",
  );

  const functionVersions = `AwsSolutions-IAM5[Resource::${arnRef(subjects.function)}:*]`;
  for (const role of schedulerTargetRoles(stack)) {
    acknowledge(
      defaultPolicy(role),
      functionVersions,
      "Written by the Scheduler LambdaInvoke target: InvokeFunction on this one function and its " +
        "versions/aliases (ARN suffix :*); no other function.",
    );
  }
  acknowledge(
    defaultPolicy(subjects.stateMachineRole),
    functionVersions,
    "Written by the Step Functions LambdaInvoke task: InvokeFunction on this one function and its " +
      "versions/aliases (ARN suffix :*); no other function.",
  );
  acknowledge(
    defaultPolicy(subjects.stateMachineRole),
    "AwsSolutions-IAM5[Resource::*]",
    "X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs delivery " +
      "(logs:CreateLogDelivery and related) do not support resource-level permissions; AWS documents " +
      "Resource '*' for both.",
  );
}
