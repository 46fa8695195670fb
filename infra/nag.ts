/**
 * cdk-nag acknowledgements. An AwsSolutions-IAM5 finding names the wildcard resource as cdk-nag prints it: the
 * resolved CloudFormation value flattened to a string (`arn:<AWS::Partition>:iot:...:topic/e4/*`, a reference as
 * `<LogicalId>` or `<LogicalId.Attribute>`). `wildcardFinding` renders a resource the same way.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const value = node as Record<string, unknown>;
  if (Array.isArray(value['Fn::Join'])) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (value['Fn::Sub'] !== undefined) return flatten(value['Fn::Sub']);
  if (Array.isArray(value['Fn::GetAtt'])) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value['Fn::ImportValue'] !== undefined) return flatten(value['Fn::ImportValue']);
  if (value.Ref !== undefined) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}

/** The id of the AwsSolutions-IAM5 finding of `resource` (a string, tokens allowed) in a policy of `scope`'s stack. */
export function wildcardFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

/** Acknowledges the wildcard `resource` in the policies under `scope`, with the reason it cannot be narrower. */
export function acknowledgeWildcard(scope: IConstruct, resource: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: wildcardFinding(scope, resource), reason });
}

/**
 * Acknowledges every wildcard action and resource (AwsSolutions-IAM5) of a policy CDK writes itself (a construct's
 * own handler), with one reason: the policy is the construct's, not ours to narrow.
 */
export function acknowledgePolicyWildcards(policy: IConstruct & { document: PolicyDocument }, reason: string): void {
  const document = Stack.of(policy).resolve(policy.document.toJSON()) as {
    Statement?: Array<{ Action?: string | string[]; Resource?: unknown }>;
  };
  const ids = new Set<string>();
  for (const statement of document.Statement ?? []) {
    for (const action of [statement.Action ?? []].flat()) {
      if (action.includes('*')) ids.add(`AwsSolutions-IAM5[Action::${action}]`);
    }
    for (const resource of [statement.Resource ?? []].flat()) {
      const flat = flatten(resource);
      if (flat.includes('*')) ids.add(`AwsSolutions-IAM5[Resource::${flat}]`);
    }
  }
  for (const id of ids) Validations.of(policy).acknowledge({ id, reason });
}
