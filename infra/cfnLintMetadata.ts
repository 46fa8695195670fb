/**
 * cfn-lint runs on every synthesized template (test/infra/cfnLint.test.ts) and must pass clean. One of its warnings
 * is CDK's own doing and harmless: W3005, a Lambda function `DependsOn` its role while its `Role` property already
 * refers to it (CDK adds the DependsOn, together with the one on the role's policy, which must stay). This aspect
 * tells cfn-lint so on each function, in the resource's metadata (cfn-lint's documented per-resource configuration),
 * and nothing else is ignored.
 */
import { CfnResource, type IAspect } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

export const IGNORED_ON_FUNCTIONS = ['W3005'] as const;

export class CfnLintMetadata implements IAspect {
  visit(node: IConstruct): void {
    // CfnFunction, and the functions of CDK's custom resource providers (e.g. S3 auto-delete-objects), which are
    // plain CfnResources of that type.
    if (
      node instanceof CfnFunction ||
      (node instanceof CfnResource && node.cfnResourceType === 'AWS::Lambda::Function')
    ) {
      node.addMetadata('cfn-lint', { config: { ignore_checks: [...IGNORED_ON_FUNCTIONS] } });
    }
  }
}
