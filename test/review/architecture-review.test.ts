import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { buildPlatform } from '../../bin/platform';
import { Algorithm } from '../../lib/core/algorithm';
import { SageMakerNetwork } from '../../lib/core/network';
import { ExplainabilityBaseline, ShapBaseline } from '../../lib/inference/model-explainability-monitor';
import { ProblemType } from '../../lib/inference/model-quality-monitor';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { ModelSource } from '../../lib/models/model-source';
import { acknowledgeWildcardResource } from '../../lib/core/private/wildcard-acknowledgment';
import { SageMakerChecks } from '../../lib/nag/sagemaker-checks';
import { ArchitectureReview } from '../../lib/review/architecture-review';
import { ResolvedImportsPlugin } from '../../lib/review/private/resolved-imports';
import { newApp } from '../helpers/app';

/**
 * Synthesizes an app into a fresh directory, with the rule packs `npm run synth` runs when asked.
 * A pack's finding fails the synth (CDK throws after writing validation-report.json), which a test
 * of a non-compliant app expects: `failing: true`.
 */
function synthesize(build: (app: App) => void, withPacks = false, failing = false): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-'));
  const app = newApp({ outdir });
  if (withPacks) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app), new NIST80053R5Checks(app), new PCIDSS321Checks(app), new SageMakerChecks(app),
      new ResolvedImportsPlugin(new CfnGuardValidator()));
  }
  build(app);
  if (failing) {
    expect(() => app.synth()).toThrow(/A copy of this report can be found in/);
  } else {
    app.synth();
  }
  return outdir;
}

/** A small SageMaker stack whose model and security group a test may then weaken. */
function modelStack(weaken: (parts: { stack: Stack; model: sagemaker.CfnModel; network: SageMakerNetwork }) => void = () => undefined): ArchitectureReview {
  return ArchitectureReview.fromCloudAssembly(synthesize((app) => {
    const stack = new Stack(app, 'Ml');
    const network = new SageMakerNetwork(stack, 'Network', { s3PrefixListId: 'pl-63a5400a' });
    const model = new sagemaker.CfnModel(stack, 'Model', {
      executionRoleArn: 'arn:aws:iam::111122223333:role/model',
      primaryContainer: { image: 'img' },
      vpcConfig: { securityGroupIds: [network.securityGroup.securityGroupId], subnets: network.vpc.isolatedSubnets.map((s) => s.subnetId) },
      enableNetworkIsolation: true,
    });
    weaken({ stack, model, network });
  }));
}

describe('ArchitectureReview', () => {
  test('the reference app\'s review (snapshot: it changes only when the architecture does)', () => {
    // GIVEN
    const assembly = synthesize((app) => buildPlatform(app), true);
    // WHEN
    const review = ArchitectureReview.fromCloudAssembly(assembly);
    // THEN
    expect(review.markdown).toMatchSnapshot();
    expect(review.dot).toMatchSnapshot();
    expect(review.markdown).toContain('**Status: clean under 6 pack(s)**: AwsSolutions, HIPAA.Security, NIST.800.53.R5, PCI.DSS.321, SageMakerChecks, cdk-validator-cfnguard.');
    // The batch-transform state machine's key is the network's, named through its definition's import.
    expect(review.markdown).toMatch(/\| SageMakerPlatform-Serving\/ChurnPipelineNightlyScoringStateMachine[0-9A-F]{8} \| Step Functions SageMaker task volumes \| KMS SageMakerPlatform-Network\/NetworkKey[0-9A-F]{8}\.Arn \(rotation on\) \|/);
    expect(review.markdown).not.toContain('rotation: not in this app');
  });

  describe('compliance status', () => {
    /** A topic encrypted with SNS's AWS-managed key, which every pack passes; `weaken` adds one without encryption. */
    const topicApp = (withPacks: boolean, weaken = false) => ArchitectureReview.fromCloudAssembly(synthesize((app) => {
      const stack = new Stack(app, 'Topics');
      new sns.Topic(stack, 'Alerts', { masterKey: kms.Alias.fromAliasName(stack, 'Key', 'alias/aws/sns'), enforceSSL: true });
      if (weaken) new sns.Topic(stack, 'Unencrypted', { enforceSSL: true });
    }, withPacks, weaken && withPacks));

    test('an app with a non-compliant resource: failing, with the finding', () => {
      const review = topicApp(true, true);
      expect(review.markdown).toContain('**Status: ⚠ failing**');
      expect(review.markdown).toContain('| HIPAA.Security | HIPAA.Security-SNSEncryptedKMS | ⚠ error | /Topics/Unencrypted/Resource |');
      expect(review.markdown).toContain('| HIPAA.Security | ⚠ failure | 1 | 0 |');
      expect(review.markdown).toContain('| AwsSolutions | success | 0 | 0 |');
    });

    test('a clean app: clean under the packs, named', () => {
      const review = topicApp(true);
      expect(review.markdown).toContain('**Status: clean under 6 pack(s)**: AwsSolutions, HIPAA.Security, NIST.800.53.R5, PCI.DSS.321, SageMakerChecks, cdk-validator-cfnguard.');
      expect(review.markdown).not.toContain('failing');
    });

    test('an app with no packs: not checked', () => {
      const review = topicApp(false);
      expect(review.markdown).toContain('**Status: ⚠ not checked**');
      expect(review.markdown).not.toContain('clean under');
    });
  });

  test('two synths of the same app give the same review', () => {
    const first = modelStack().markdown;
    expect(modelStack().markdown).toBe(first);
  });

  test('turning off network isolation is flagged', () => {
    // GIVEN
    const secure = modelStack();
    // WHEN
    const weakened = modelStack(({ model }) => model.addPropertyOverride('EnableNetworkIsolation', false));
    // THEN
    const row = (review: ArchitectureReview) => review.markdown.split('\n').find((line) => line.startsWith('| Ml/Model | subnets'))!; // the posture row, not the flag index's
    expect(row(secure)).toBe('| Ml/Model | subnets 2 | on | 1 container(s), role arn:aws:iam::111122223333:role/model |');
    expect(row(weakened)).toBe('| Ml/Model | subnets 2 | ⚠ off | 1 container(s), role arn:aws:iam::111122223333:role/model |');
    expect(weakened.flagCount).toBe(secure.flagCount + 1);
  });

  test('each monitor is listed with its posture: what, when, isolation, encryption, baseline, alarms; a monitor without isolation is flagged with its acknowledgment', () => {
    // GIVEN an endpoint with a model-quality monitor (alarmed, no baseline) and an explainability monitor (no isolation, baseline computed during the deploy)
    const review = ArchitectureReview.fromCloudAssembly(synthesize((app) => {
      const stack = new Stack(app, 'Ml', { env: { account: '111122223333', region: 'us-east-1' } });
      const data = new s3.Bucket(stack, 'Data', { encryption: s3.BucketEncryption.S3_MANAGED });
      new MonitoredEndpoint(stack, 'Churn', {
        model: ModelSource.fromS3(Algorithm.linearLearner(), data, 'models/churn/model.tar.gz'),
        endpointName: 'churn',
        monitoring: {
          modelQuality: { problemType: ProblemType.BINARY_CLASSIFICATION, groundTruth: { bucket: data, prefix: 'labels/' }, alarms: { minAccuracy: 0.9, minAuc: 0.8 } },
          explainability: { shapBaseline: ShapBaseline.fromValues([1, 2]), headers: ['a', 'b'], baseline: ExplainabilityBaseline.fromDataset(data, 'validation/') },
        },
      });
    }));
    // WHEN
    const section = review.markdown.slice(review.markdown.indexOf('### Monitors'), review.markdown.indexOf('### Jobs'));
    const row = (what: string) => section.split('\n').find((line) => line.startsWith('| Ml/') && line.includes(` | ${what} | `))!;
    // THEN
    expect(row('model quality')).toMatch(/^\| Ml\/ChurnModelQualitySchedule[0-9A-F]{8} \| model quality \| churn \| cron\(0 \* \? \* \* \*\) \| on \| on \| KMS \| KMS \| none \(metrics only, no violations\) \| 2 alarm\(s\) \|$/);
    const explainability = row('feature attribution');
    expect(explainability).toMatch(/^\| Ml\/ChurnExplainabilitySchedule[0-9A-F]{8} \| feature attribution \| churn \| cron\(0 \* \? \* \* \*\) \| ⚠ off \(acknowledged: A-[0-9a-f]{6}\) \| on \| KMS \| KMS \| computed during the deploy: s3:\/\/.*\/model-explainability\/churn\/baseline\/analysis\.json \| none \|$/);
    // AND the flag index names the acknowledgment, not "none"
    const id = /acknowledged: (A-[0-9a-f]{6})/.exec(explainability)![1];
    expect(review.markdown).toContain(`| ${id} | SageMakerChecks-JobNetworkIsolation | /Ml/Churn/Explainability/Definition |`);
    const index = review.markdown.slice(review.markdown.indexOf('## Flags and their acknowledgments'), review.markdown.indexOf('## Data stores'));
    expect(index).toMatch(new RegExp(`\\| Ml/ChurnExplainabilitySchedule[0-9A-F]{8} \\| off \\| ${id} \\|`));
    // AND the deploy-time baselining job (no isolation either) is flagged as acknowledged too
    const explainabilityFlags = index.split('\n').filter((line) => line.startsWith('| Ml/ChurnExplainability'));
    expect(explainabilityFlags.some((line) => /^\| Ml\/ChurnExplainabilityBaseline/.test(line))).toBe(true);
    expect(explainabilityFlags.filter((line) => line.endsWith('| none |'))).toEqual([]);
  });

  test('a wildcard permission is flagged', () => {
    const weakened = modelStack(({ stack }) => {
      const role = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    });
    expect(weakened.markdown).toMatch(/### Ml\/Admin[0-9A-F]{8}[\s\S]*- \*\*s3\*\*\n {2}- ⚠ s3:\* on \* \(inline policy\)/);
  });

  test('each flag names the acknowledgment that covers it; flags nobody acknowledged come first', () => {
    // GIVEN a role with an acknowledged wildcard (objects under a prefix) and one nobody acknowledged
    const review = modelStack(({ stack }) => {
      const bucket = new s3.Bucket(stack, 'Data');
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('train/*')] }));
      acknowledgeWildcardResource(role, bucket.arnForObjects('train/*'), 'reads the training prefix only');
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['*'] }));
    });
    // THEN
    const ack = review.markdown.split('\n').find((line) => line.includes('reads the training prefix only'))!;
    const id = /^\| (A-[0-9a-f]{6}) \| AwsSolutions-IAM5\[Resource::<Data[0-9A-F]{8}\.Arn>\/train\/\*\] \| \/Ml\/Reader \|/.exec(ack)?.[1];
    expect(id).toBeDefined();
    expect(review.markdown).toMatch(new RegExp(`  - ⚠ s3:GetObject on Data[0-9A-F]{8}\\.Arn/train/\\* \\(inline policy\\) \\(acknowledged: ${id}\\)`));
    expect(review.markdown).toContain('  - ⚠ s3:PutObject on * (inline policy) (not acknowledged)');
    const index = review.markdown.slice(review.markdown.indexOf('## Flags and their acknowledgments'), review.markdown.indexOf('## Data stores'));
    const rows = index.split('\n').filter((line) => line.startsWith('| Ml/'));
    expect(rows.findIndex((row) => row.includes('s3:PutObject on *') && row.endsWith('| none |')))
      .toBeLessThan(rows.findIndex((row) => row.includes('s3:GetObject') && row.endsWith(`| ${id} |`)));
    expect(rows.slice(0, rows.findIndex((row) => !row.endsWith('| none |'))).every((row) => row.endsWith('| none |'))).toBe(true);
  });

  test('a key is attributed through cross-stack imports and state machine definitions', () => {
    // GIVEN a rotating key in one stack, used by a topic in another
    const review = ArchitectureReview.fromCloudAssembly(synthesize((app) => {
      const keys = new Stack(app, 'Keys');
      const key = new kms.Key(keys, 'Key', { enableKeyRotation: true });
      new sns.Topic(new Stack(app, 'Users'), 'Topic', { masterKey: key });
    }));
    // THEN
    expect(review.markdown).toMatch(/\| Users\/Topic[0-9A-F]{8} \| SNS topic \| KMS Keys\/Key[0-9A-F]{8}\.Arn \(rotation on\) \|/);
  });

  test('a security group open to the internet is flagged', () => {
    const weakened = modelStack(({ network }) => network.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22)));
    expect(weakened.markdown).toContain('  - ⚠ ingress tcp 22 from 0.0.0.0/0');
  });

  test('works on any cloud assembly, stacks without this library\'s constructs included', () => {
    // GIVEN a plain app: an unencrypted-by-KMS bucket and a public subnet
    const review = ArchitectureReview.fromCloudAssembly(synthesize((app) => {
      const stack = new Stack(app, 'Plain');
      new s3.Bucket(stack, 'Uploads');
      new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] });
    }));
    // THEN
    expect(review.markdown).toMatch(/\| Plain\/Uploads[0-9A-F]{8} \| S3 bucket \| ⚠ SSE-S3 \(S3's default\) \| ⚠ no \| public access ⚠ not fully blocked/);
    expect(review.markdown).toMatch(/\| Plain\/Vpc[0-9A-F]{8} \| 10.0.0.0\/16 \| 0 isolated, 0 private with NAT, 1 public \| ⚠ internet gateway attached \|/);
    expect(review.markdown).toContain('**Status: ⚠ not checked**');
  });

  test('the diagram shows who may reach what (endpoint, bucket prefix) and marks flagged resources', () => {
    // GIVEN a role that may invoke an endpoint and read a prefix, and a bucket without a KMS key
    const review = modelStack(({ stack }) => {
      new sagemaker.CfnEndpoint(stack, 'Endpoint', { endpointName: 'churn', endpointConfigName: 'config' });
      const bucket = new s3.Bucket(stack, 'Data');
      const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:InvokeEndpoint'], resources: [stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: 'churn' })] }));
      bucket.grantRead(role, 'train/*');
    });
    // THEN
    expect(review.dot).toMatch(/"Ml\/Caller[0-9A-F]{8}" -> "Ml\/Endpoint" \[label="invoke", style=dashed\];/);
    expect(review.dot).toMatch(/"Ml\/Caller[0-9A-F]{8}" -> "Ml\/Data[0-9A-F]{8}" \[label="read\\ntrain\/", style=dashed\];/);
    expect(review.dot).toMatch(/"Ml\/Data[0-9A-F]{8}" \[label="Bucket\\nData\\n⚠ \d+", shape=cylinder, color=red, penwidth=2\];/);
  });

  test('the diagram renders to SVG without system tools', async () => {
    const svg = await modelStack().renderSvg();
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*Model[\s\S]*<\/svg>\s*$/);
  });

  test('the command writes the report and the diagram; a directory that is no assembly is a clear error', () => {
    const assembly = synthesize((app) => new s3.Bucket(new Stack(app, 'Tiny'), 'Bucket'));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'review-out-'));
    const run = (args: string[]) => spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '../../lib/review/cli.ts'), ...args], {
      encoding: 'utf8', env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, '../../tsconfig.dev.json') },
    });
    const ok = run([assembly, out]);
    expect(ok.status).toBe(0);
    expect(fs.readFileSync(path.join(out, 'architecture-review.md'), 'utf8')).toContain('# Architecture review');
    expect(fs.readFileSync(path.join(out, 'architecture.svg'), 'utf8')).toContain('<svg');
    const bad = run([out, out]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('is not a cloud assembly: it has no manifest.json');
  });
});
