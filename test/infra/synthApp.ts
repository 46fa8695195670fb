/**
 * Builds the CDK app for the infra tests, each synthesized into its own temporary directory. Bundling is skipped
 * unless asked (`bundle: true`): esbuild takes seconds per function, and only the assembly test needs the bundles.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { type C2App, createApp } from '../../infra/createApp.js';

export interface TestAppOptions {
  readonly context?: Record<string, unknown>;
  readonly checks?: boolean;
  readonly bundle?: boolean;
}

const outdirs: string[] = [];

/** Removes the output directories of the apps built so far (call it in `afterAll`). */
export function removeTestApps(): void {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
}

export function testApp(options: TestAppOptions = {}): C2App & { outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'e4c2-infra-'));
  outdirs.push(outdir);
  const c2 = createApp({
    outdir,
    checks: options.checks ?? false,
    context: { ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...options.context },
  });
  return { ...c2, outdir };
}

/**
 * A CloudFormation value as one string, the way cdk-nag prints it: `Fn::Join` joined, `{ Ref: X }` as `<X>`,
 * `Fn::GetAtt` as `<X.Attr>`, `Fn::ImportValue` as its export name.
 */
export function flat(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if (Array.isArray(node['Fn::Join'])) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(flat).join(delimiter);
  }
  if (node.Ref !== undefined) return `<${flat(node.Ref)}>`;
  if (Array.isArray(node['Fn::GetAtt'])) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  if (node['Fn::ImportValue'] !== undefined) return `import:${flat(node['Fn::ImportValue'])}`;
  return JSON.stringify(value);
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalIdOf(construct: IConstruct): string {
  const child = construct.node.defaultChild;
  if (!(child instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(child);
}
