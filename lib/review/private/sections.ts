import { createHash } from 'node:crypto';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { asList, isSet, referencedIds, show } from './references';
import { Acknowledgment, AssemblyStack, CloudAssemblyContents, TemplateResource } from './cloud-assembly';
import { jobSettingsFromTemplate, NOT_APPLICABLE } from '../../nag/private/job-settings';
import {
  AUTOML_JOB_RESOURCE_TYPE, COMPILATION_JOB_RESOURCE_TYPE, PROCESSING_JOB_RESOURCE_TYPE, TRAINING_JOB_RESOURCE_TYPE, TUNING_JOB_RESOURCE_TYPE,
} from '../../core/private/resource-types';

/** Marks a finding a reviewer should look at. */
export const FLAG = '⚠';

/** A resource with where it lives. */
interface Located {
  readonly stack: AssemblyStack;
  readonly id: string;
  readonly resource: TemplateResource;
}

function ofType(contents: CloudAssemblyContents, ...types: string[]): Located[] {
  const found: Located[] = [];
  for (const stack of contents.stacks) {
    for (const [id, resource] of Object.entries(stack.resources).sort(([a], [b]) => a.localeCompare(b))) {
      if (types.includes(resource.Type)) found.push({ stack, id, resource });
    }
  }
  return found;
}

const props = (r: Located) => r.resource.Properties ?? {};
const where = (r: Located) => `${r.stack.name}/${r.id}`;
const yes = (ok: boolean, okText = 'yes', badText = 'no') => (ok ? okText : `${FLAG} ${badText}`);
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(header: string[], rows: string[][]): string[] {
  if (rows.length === 0) return ['_None._', ''];
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`), ''];
}

/** Key logical ID -> rotation, per stack. */
function keyRotation(contents: CloudAssemblyContents): Map<string, boolean> {
  const rotation = new Map<string, boolean>();
  for (const key of ofType(contents, 'AWS::KMS::Key')) {
    rotation.set(`${key.stack.name}/${key.id}`, props(key).EnableKeyRotation === true);
  }
  return rotation;
}

/**
 * The key a reference (`Stack/LogicalId`) ends at: the key itself, or through an alias's
 * `TargetKeyId` (cross-stack imports are already resolved to the exporting stack's reference).
 */
function keyBehind(contents: CloudAssemblyContents, qualified: string, depth = 0): string {
  const slash = qualified.lastIndexOf('/');
  const stack = contents.stacks.find((s) => s.name === qualified.slice(0, slash));
  const resource = stack?.resources[qualified.slice(slash + 1)];
  if (!stack || !resource || depth > 5 || resource.Type !== 'AWS::KMS::Alias') return qualified;
  const target = [...referencedIds(resource.Properties?.TargetKeyId)][0];
  return target ? keyBehind(contents, target.includes('/') ? target : `${stack.name}/${target}`, depth + 1) : qualified;
}

function encryption(contents: CloudAssemblyContents, stack: AssemblyStack, keyValue: unknown): string {
  if (!isSet(keyValue)) return `${FLAG} none`;
  const rotation = keyRotation(contents);
  const key = [...referencedIds(keyValue)].map((id) => keyBehind(contents, id.includes('/') ? id : `${stack.name}/${id}`)).find((id) => rotation.has(id));
  const rotated = key === undefined ? 'rotation: not in this app' : `rotation ${rotation.get(key) ? 'on' : `${FLAG} off`}`;
  return `KMS ${show(keyValue)} (${rotated})`;
}

/** Data stores and how each is encrypted. */
export function dataStores(contents: CloudAssemblyContents): string[] {
  const rows: string[][] = [];
  const bucketPolicies = ofType(contents, 'AWS::S3::BucketPolicy');
  for (const bucket of ofType(contents, 'AWS::S3::Bucket')) {
    const p = props(bucket);
    const sse = p.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
    const kms = sse?.SSEAlgorithm === 'aws:kms';
    const policy = bucketPolicies.find((bp) => bp.stack === bucket.stack && referencedIds(props(bp).Bucket).has(bucket.id));
    const tls = JSON.stringify(props(policy ?? bucket).PolicyDocument ?? {}).includes('"aws:SecureTransport":"false"');
    const blocked = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'].every((k) => p.PublicAccessBlockConfiguration?.[k] === true);
    rows.push([where(bucket), 'S3 bucket',
      kms ? encryption(contents, bucket.stack, sse.KMSMasterKeyID) : `${FLAG} ${sse ? 'SSE-S3 (AWS-managed key)' : 'SSE-S3 (S3\'s default)'}`,
      yes(tls), `public access ${yes(blocked, 'blocked', 'not fully blocked')}, versioning ${yes(p.VersioningConfiguration?.Status === 'Enabled', 'on', 'off')}, access logs ${isSet(p.LoggingConfiguration) ? 'on' : 'off'}`]);
  }
  for (const group of ofType(contents, 'AWS::Logs::LogGroup')) {
    rows.push([where(group), 'log group', encryption(contents, group.stack, props(group).KmsKeyId), 'n/a', `retention ${props(group).RetentionInDays ?? `${FLAG} never expires`} days`]);
  }
  for (const topic of ofType(contents, 'AWS::SNS::Topic')) rows.push([where(topic), 'SNS topic', encryption(contents, topic.stack, props(topic).KmsMasterKeyId), 'n/a', '']);
  for (const queue of ofType(contents, 'AWS::SQS::Queue')) rows.push([where(queue), 'SQS queue', encryption(contents, queue.stack, props(queue).KmsMasterKeyId), 'n/a', '']);
  for (const config of ofType(contents, 'AWS::SageMaker::EndpointConfig')) {
    const capture = props(config).DataCaptureConfig;
    rows.push([where(config), 'endpoint volumes', encryption(contents, config.stack, props(config).KmsKeyId), 'n/a', '']);
    if (capture && capture.EnableCapture !== false) {
      rows.push([where(config), 'data capture', encryption(contents, config.stack, capture.KmsKeyId), 'n/a', `to ${show(capture.DestinationS3Uri)}, ${capture.InitialSamplingPercentage} %`]);
    }
  }
  for (const group of ofType(contents, 'AWS::SageMaker::FeatureGroup')) {
    const p = props(group);
    if (p.OnlineStoreConfig?.EnableOnlineStore) rows.push([where(group), 'feature store (online)', encryption(contents, group.stack, p.OnlineStoreConfig?.SecurityConfig?.KmsKeyId), 'n/a', p.OnlineStoreConfig?.StorageType ?? '']);
    if (p.OfflineStoreConfig) rows.push([where(group), 'feature store (offline)', encryption(contents, group.stack, p.OfflineStoreConfig?.S3StorageConfig?.KmsKeyId), 'n/a', p.OfflineStoreConfig?.TableFormat ?? '']);
  }
  for (const fn of ofType(contents, 'AWS::Lambda::Function')) rows.push([where(fn), 'Lambda environment', encryption(contents, fn.stack, props(fn).KmsKeyArn), 'n/a', '']);
  for (const job of jobs(contents)) {
    rows.push([where(job.located), `${job.kind} volumes`, encryption(contents, job.located.stack, job.settings.volumeKmsKeyId), 'n/a', '']);
    rows.push([where(job.located), `${job.kind} output`, encryption(contents, job.located.stack, job.settings.outputKmsKeyId), 'n/a', '']);
  }
  for (const key of ofType(contents, 'AWS::KMS::Key')) rows.push([where(key), 'KMS key', 'customer managed', 'n/a', `rotation ${yes(props(key).EnableKeyRotation === true, 'on', 'off')}`]);
  return ['## Data stores and encryption', '', ...table(['resource', 'kind', 'encryption', 'TLS enforced', 'notes'], rows)];
}

/** The construct path of a resource (as the manifest's metadata spells it, with a leading `/`). */
export function constructPath(stack: AssemblyStack, logicalId: string): string | undefined {
  let index = pathIndex.get(stack);
  if (!index) {
    index = new Map(Object.entries(stack.logicalIds).map(([path, id]) => [id, path]));
    pathIndex.set(stack, index);
  }
  return index.get(logicalId);
}
const pathIndex = new WeakMap<AssemblyStack, Map<string, string>>();

/** The acknowledgments that cover any of the construct paths with a rule the predicate accepts. */
function acknowledgmentsFor(contents: CloudAssemblyContents, paths: Array<string | undefined>, rule: (id: string) => boolean): string[] {
  return numberedAcknowledgments(contents)
    .filter((a) => rule(a.rule) && paths.some((path) => path !== undefined && covers(a.path, path)))
    .map((a) => a.id);
}

/** ` (acknowledged: A1, A2)` or ` (not acknowledged)`: appended to a flag, read back by `flagIndex`. */
const acknowledged = (ids: string[]) => (ids.length ? ` (acknowledged: ${ids.join(', ')})` : ' (not acknowledged)');

/**
 * Every role: who may assume it and what it may do, by service. A wildcard is flagged with the
 * acknowledgments that cover it: cdk-nag's `AwsSolutions-IAM5[Resource::<resource>]` or
 * `[Action::<action>]`, with the resource flattened as cdk-nag does, on the role, its policy or
 * above them; within a service, flags nobody acknowledged come first.
 */
export function identity(contents: CloudAssemblyContents): string[] {
  const lines = ['## Identity', ''];
  const policies = ofType(contents, 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy');
  const roles = ofType(contents, 'AWS::IAM::Role');
  if (roles.length === 0) return [...lines, '_None._', ''];
  for (const role of roles) {
    const p = props(role);
    const rolePath = constructPath(role.stack, role.id);
    lines.push(`### ${where(role)}`, '');
    if (p.Description) lines.push(`${show(p.Description)}`, '');
    for (const statement of asList<any>(p.AssumeRolePolicyDocument?.Statement)) {
      const principals = Object.entries<any>(statement.Principal ?? {}).map(([kind, value]) => `${kind} ${asList(value).map(show).join(', ')}`);
      const conditions = statement.Condition ? ` when ${show(JSON.stringify(statement.Condition))}` : ` ${FLAG} no conditions${acknowledged([])}`;
      lines.push(`- assumed by ${principals.join('; ')}${conditions.replace(/"/g, '')}`);
    }
    const rawOf = (located: Located) => located.stack.rawResources[located.id]?.Properties ?? {};
    const statements: Array<{ statement: any; raw: any; inline: boolean; paths: Array<string | undefined> }> = [
      ...asList<any>(p.Policies).flatMap((policy, i) => asList<any>(policy.PolicyDocument?.Statement).map((statement, j) => ({
        statement, raw: asList<any>(asList<any>(rawOf(role).Policies)[i]?.PolicyDocument?.Statement)[j] ?? statement, inline: true, paths: [rolePath],
      }))),
      ...policies.filter((policy) => policy.stack === role.stack && asList(props(policy).Roles).some((r) => referencedIds(r).has(role.id)))
        .flatMap((policy) => asList<any>(props(policy).PolicyDocument?.Statement).map((statement, j) => ({
          statement, raw: asList<any>(rawOf(policy).PolicyDocument?.Statement)[j] ?? statement,
          inline: policy.resource.Type === 'AWS::IAM::Policy', paths: [rolePath, constructPath(policy.stack, policy.id)],
        }))),
    ];
    for (const managed of asList(p.ManagedPolicyArns)) {
      lines.push(`- ${FLAG} AWS-managed policy ${show(managed)}${acknowledged(acknowledgmentsFor(contents, [rolePath], (id) => id.startsWith('AwsSolutions-IAM4')))}`);
    }
    const byService = new Map<string, string[]>();
    for (const { statement, raw, inline, paths } of statements.filter((s) => s.statement.Effect === 'Allow')) {
      const actions = asList<string>(statement.Action);
      const resources = asList(statement.Resource).map(show);
      const wildcard = actions.some((a) => a.includes('*')) || resources.some((r) => r.includes('*'));
      const findingIds = new Set([
        ...asList<string>(raw.Action).filter((a) => a.includes('*')).map((a) => `AwsSolutions-IAM5[Action::${a}]`),
        ...asList<unknown>(raw.Resource).map((r) => flattenCfnReference(r)).filter((r) => r.includes('*')).map((r) => `AwsSolutions-IAM5[Resource::${r}]`),
      ]);
      const acks = wildcard ? acknowledged(acknowledgmentsFor(contents, paths, (id) => id === 'AwsSolutions-IAM5' || findingIds.has(id))) : '';
      const text = `${wildcard ? `${FLAG} ` : ''}${actions.join(', ')} on ${resources.join(', ')}${statement.Condition ? ` when ${show(JSON.stringify(statement.Condition)).replace(/"/g, '')}` : ''}${inline ? ' (inline policy)' : ''}${acks}`;
      for (const service of new Set(actions.map((a) => a.split(':')[0]))) {
        byService.set(service, [...(byService.get(service) ?? []), text]);
      }
    }
    const rank = (text: string) => (text.includes('(not acknowledged)') ? 0 : text.startsWith(FLAG) ? 1 : 2);
    for (const service of [...byService.keys()].sort()) {
      lines.push(`- **${service}**`);
      for (const text of [...new Set(byService.get(service))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))) lines.push(`  - ${text}`);
    }
    lines.push('');
  }
  return lines;
}

/** VPCs, subnets by type, endpoints, security groups and their flows, routes to the internet. */
export function network(contents: CloudAssemblyContents): string[] {
  const lines = ['## Network', ''];
  const rows: string[][] = [];
  for (const vpc of ofType(contents, 'AWS::EC2::VPC')) {
    const subnets = ofType(contents, 'AWS::EC2::Subnet').filter((s) => s.stack === vpc.stack && referencedIds(props(s).VpcId).has(vpc.id));
    const types = subnets.map((subnet) => subnetType(contents, subnet));
    const counts = ['isolated', 'private with NAT', 'public'].map((t) => `${types.filter((x) => x === t).length} ${t}`).join(', ');
    const igw = ofType(contents, 'AWS::EC2::VPCGatewayAttachment').some((a) => a.stack === vpc.stack && referencedIds(props(a).VpcId).has(vpc.id) && isSet(props(a).InternetGatewayId));
    rows.push([where(vpc), show(props(vpc).CidrBlock), counts, yes(!igw, 'none', 'internet gateway attached')]);
  }
  lines.push('### VPCs', '', ...table(['VPC', 'CIDR', 'subnets', 'route to the internet'], rows));
  const endpoints = ofType(contents, 'AWS::EC2::VPCEndpoint').map((e) => [where(e), show(props(e).ServiceName).replace(/^com\.amazonaws\.\$\{AWS::Region\}\./, ''),
    props(e).VpcEndpointType ?? 'Gateway', props(e).VpcEndpointType === 'Interface' ? yes(props(e).PrivateDnsEnabled === true, 'on', 'off') : 'n/a']);
  lines.push('### VPC endpoints', '', ...table(['endpoint', 'service', 'type', 'private DNS'], endpoints));
  lines.push('### Security groups', '');
  const rules = ofType(contents, 'AWS::EC2::SecurityGroupIngress', 'AWS::EC2::SecurityGroupEgress');
  const groups = ofType(contents, 'AWS::EC2::SecurityGroup');
  if (groups.length === 0) lines.push('_None._', '');
  for (const group of groups) {
    lines.push(`- **${where(group)}** ${show(props(group).GroupDescription)}`);
    const flows: string[] = [];
    const describe = (direction: string, rule: any) => {
      const peer = rule.CidrIp ?? rule.CidrIpv6 ?? show(rule.SourceSecurityGroupId ?? rule.DestinationSecurityGroupId ?? rule.DestinationPrefixListId ?? rule.SourcePrefixListId);
      if (direction === 'egress' && rule.CidrIp === '255.255.255.255/32') return; // CDK's "no egress" placeholder
      const open = rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0';
      const ports = rule.IpProtocol === '-1' ? 'all traffic' : `${rule.IpProtocol} ${rule.FromPort === rule.ToPort ? rule.FromPort : `${rule.FromPort}-${rule.ToPort}`}`;
      flows.push(`  - ${open ? `${FLAG} ` : ''}${direction} ${ports} ${direction === 'ingress' ? 'from' : 'to'} ${peer}`);
    };
    asList<any>(props(group).SecurityGroupIngress).forEach((r) => describe('ingress', r));
    asList<any>(props(group).SecurityGroupEgress).forEach((r) => describe('egress', r));
    for (const rule of rules.filter((r) => r.stack === group.stack && referencedIds(props(r).GroupId).has(group.id))) {
      describe(rule.resource.Type.endsWith('Ingress') ? 'ingress' : 'egress', props(rule));
    }
    lines.push(...(flows.length ? flows.sort() : ['  - no rules']));
  }
  lines.push('');
  return lines;
}

function subnetType(contents: CloudAssemblyContents, subnet: Located): string {
  const association = ofType(contents, 'AWS::EC2::SubnetRouteTableAssociation').find((a) => a.stack === subnet.stack && referencedIds(props(a).SubnetId).has(subnet.id));
  const table = association ? [...referencedIds(props(association).RouteTableId)][0] : undefined;
  const routes = ofType(contents, 'AWS::EC2::Route').filter((r) => r.stack === subnet.stack && table !== undefined && referencedIds(props(r).RouteTableId).has(table));
  if (routes.some((r) => isSet(props(r).GatewayId))) return 'public';
  if (routes.some((r) => isSet(props(r).NatGatewayId))) return 'private with NAT';
  return 'isolated';
}

interface Job { readonly located: Located; readonly kind: string; readonly settings: ReturnType<typeof jobSettingsFromTemplate>[number] }

const JOB_KINDS: Record<string, string> = {
  'AWS::SageMaker::ProcessingJob': 'processing job',
  'AWS::SageMaker::MonitoringSchedule': 'monitoring schedule',
  'AWS::SageMaker::DataQualityJobDefinition': 'data-quality job definition',
  'AWS::SageMaker::ModelQualityJobDefinition': 'model-quality job definition',
  'AWS::SageMaker::ModelBiasJobDefinition': 'model-bias job definition',
  'AWS::SageMaker::ModelExplainabilityJobDefinition': 'explainability job definition',
  [TRAINING_JOB_RESOURCE_TYPE]: 'training job',
  [TUNING_JOB_RESOURCE_TYPE]: 'tuning job',
  [PROCESSING_JOB_RESOURCE_TYPE]: 'processing job (deploy time)',
  [COMPILATION_JOB_RESOURCE_TYPE]: 'compilation job (deploy time)',
  [AUTOML_JOB_RESOURCE_TYPE]: 'AutoML job (deploy time)',
  'AWS::StepFunctions::StateMachine': 'Step Functions SageMaker task',
};

function jobs(contents: CloudAssemblyContents): Job[] {
  return ofType(contents, ...Object.keys(JOB_KINDS)).flatMap((located) => {
    const { properties, restore } = withPlaceholders(props(located));
    return jobSettingsFromTemplate(located.resource.Type, properties).map((settings) => ({
      located, kind: JOB_KINDS[located.resource.Type],
      settings: Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, restore(value)])) as unknown as Job['settings'],
    }));
  });
}

/**
 * A state machine's definition is a string joined with references (`Fn::Join`). The rule packs
 * parse it with every reference replaced by one placeholder, which loses which key a task uses;
 * here each reference gets a placeholder of its own (a number, valid inside a JSON string and as a
 * bare value), and `restore` maps a setting read from the parsed definition back to its reference.
 */
function withPlaceholders(properties: Record<string, any>): { properties: Record<string, any>; restore: (value: unknown) => unknown } {
  const join = properties.DefinitionString?.['Fn::Join'];
  if (!Array.isArray(join) || !Array.isArray(join[1])) return { properties, restore: (value) => value };
  const references: unknown[] = [];
  const text = (join[1] as unknown[]).map((part) => {
    if (typeof part === 'string') return part;
    references.push(part);
    return String(PLACEHOLDER_BASE + references.length - 1);
  }).join(join[0]);
  const restore = (value: unknown): unknown => {
    if (typeof value !== 'string' && typeof value !== 'number') return value;
    const index = Number(value) - PLACEHOLDER_BASE;
    return Number.isInteger(index) && index >= 0 && index < references.length ? references[index] : value;
  };
  return { properties: { ...properties, DefinitionString: text }, restore };
}
const PLACEHOLDER_BASE = 987650000;

/** Per SageMaker resource: the settings that make it secure. */
export function sagemakerPosture(contents: CloudAssemblyContents): string[] {
  const lines = ['## SageMaker posture', ''];
  const vpc = (config: any) => yes(isSet(config?.Subnets) && isSet(config?.SecurityGroupIds), `subnets ${asList(config?.Subnets).length}`, 'not in a VPC');
  const models = ofType(contents, 'AWS::SageMaker::Model').map((m) => [where(m), vpc(props(m).VpcConfig), yes(props(m).EnableNetworkIsolation === true, 'on', 'off'),
    `${asList(props(m).Containers).length || 1} container(s), role ${show(props(m).ExecutionRoleArn)}`]);
  lines.push('### Models', '', ...table(['model', 'VPC', 'network isolation', 'notes'], models));
  const configs = ofType(contents, 'AWS::SageMaker::EndpointConfig').map((c) => {
    const variants = asList<any>(props(c).ProductionVariants).map((v) => (v.ServerlessConfig ? `${v.VariantName}: serverless`
      : `${v.VariantName}: ${v.InitialInstanceCount} × ${v.InstanceType}${v.InitialInstanceCount < 2 ? ` ${FLAG} single instance` : ''}`));
    const capture = props(c).DataCaptureConfig;
    return [where(c), variants.join('; '), yes(isSet(props(c).KmsKeyId), 'yes'), capture && capture.EnableCapture !== false ? `on, ${yes(isSet(capture.KmsKeyId), 'KMS', 'not encrypted with KMS')}` : 'off'];
  });
  lines.push('### Endpoint configurations', '', ...table(['configuration', 'variants', 'KMS', 'data capture'], configs));
  const endpoints = ofType(contents, 'AWS::SageMaker::Endpoint').map((e) => {
    const deployment = props(e).DeploymentConfig;
    const type = deployment?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration?.Type ?? (deployment?.RollingUpdatePolicy ? 'ROLLING' : undefined);
    const alarms = asList(deployment?.AutoRollbackConfiguration?.Alarms).length;
    return [where(e), yes(type !== undefined, type ?? '', 'no guardrails'), yes(alarms > 0, `${alarms} alarm(s)`, 'no auto-rollback')];
  });
  lines.push('### Endpoints', '', ...table(['endpoint', 'deployment', 'rollback'], endpoints));
  lines.push('### Monitors', '', ...table(['schedule', 'monitors', 'endpoint', 'schedule expression', 'network isolation', 'inter-container encryption', 'volume', 'output', 'baseline', 'alarms'],
    monitors(contents)));
  const on = (value: unknown) => (value === NOT_APPLICABLE ? 'n/a' : yes(value === true || value === 'true', 'on', 'off'));
  const set = (value: unknown) => (value === NOT_APPLICABLE ? 'n/a' : yes(isSet(value), 'KMS', 'none'));
  const jobRows = jobs(contents).map(({ located, kind, settings }) => [where(located), kind,
    settings.vpcConfig === NOT_APPLICABLE ? 'n/a' : vpc(settings.vpcConfig), on(settings.networkIsolation), on(settings.interContainerEncryption),
    set(settings.volumeKmsKeyId), set(settings.outputKmsKeyId),
    settings.maxRuntime === NOT_APPLICABLE ? 'n/a' : yes(isSet(settings.maxRuntime), `${show(settings.maxRuntime)} s`, 'unbounded')]);
  lines.push('### Jobs', '', ...table(['resource', 'kind', 'VPC', 'network isolation', 'inter-container encryption', 'volume', 'output', 'max runtime'], jobRows));
  const groups = ofType(contents, 'AWS::SageMaker::FeatureGroup').map((g) => [where(g), show(props(g).FeatureGroupName),
    props(g).OnlineStoreConfig?.EnableOnlineStore ? yes(isSet(props(g).OnlineStoreConfig?.SecurityConfig?.KmsKeyId), 'KMS', 'no KMS') : 'none',
    props(g).OfflineStoreConfig ? yes(isSet(props(g).OfflineStoreConfig?.S3StorageConfig?.KmsKeyId), 'KMS', 'no KMS') : 'none']);
  lines.push('### Feature groups', '', ...table(['feature group', 'name', 'online store', 'offline store'], groups));
  return lines;
}

/** A monitoring job definition's type -> what it monitors and where its baseline is. */
const MONITOR_DEFINITIONS: Record<string, { what: string; baseline: string }> = {
  'AWS::SageMaker::DataQualityJobDefinition': { what: 'data quality', baseline: 'DataQualityBaselineConfig' },
  'AWS::SageMaker::ModelQualityJobDefinition': { what: 'model quality', baseline: 'ModelQualityBaselineConfig' },
  'AWS::SageMaker::ModelBiasJobDefinition': { what: 'bias', baseline: 'ModelBiasBaselineConfig' },
  'AWS::SageMaker::ModelExplainabilityJobDefinition': { what: 'feature attribution', baseline: 'ModelExplainabilityBaselineConfig' },
};

/** Resource types whose completion means a baseline was computed during the deploy. */
const DEPLOY_TIME_JOBS = ['AWS::SageMaker::ProcessingJob', 'AWS::CloudFormation::WaitCondition'];

/**
 * Every monitoring schedule with its posture: what it monitors, when, the job definition it runs
 * (network isolation, inter-container encryption, KMS), what it compares with (a baseline computed
 * during the deploy, one from S3, or none) and the alarms on the metrics it publishes (alarms whose
 * `MonitoringSchedule` dimension names it). A monitor without network isolation is flagged with
 * the acknowledgments of its definition.
 */
function monitors(contents: CloudAssemblyContents): string[][] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const definitions = ofType(contents, ...Object.keys(MONITOR_DEFINITIONS));
  const alarms = ofType(contents, 'AWS::CloudWatch::Alarm');
  return ofType(contents, 'AWS::SageMaker::MonitoringSchedule').map((schedule) => {
    const config = props(schedule).MonitoringScheduleConfig ?? {};
    const name = props(schedule).MonitoringScheduleName;
    const definition = definitions.find((d) => d.stack === schedule.stack && isSet(config.MonitoringJobDefinitionName) && same(props(d).JobDefinitionName, config.MonitoringJobDefinitionName));
    const kind = definition ? MONITOR_DEFINITIONS[definition.resource.Type] : undefined;
    const settings = definition ? jobSettingsFromTemplate(definition.resource.Type, props(definition))[0] : config.MonitoringJobDefinition ? jobSettingsFromTemplate(schedule.resource.Type, props(schedule))[0] : undefined;
    const jobInput = definition ? Object.entries(props(definition)).find(([key]) => key.endsWith('JobInput'))?.[1] : undefined;
    const endpoint = jobInput?.EndpointInput?.EndpointName ?? config.MonitoringJobDefinition?.MonitoringInputs?.[0]?.EndpointInput?.EndpointName ?? props(schedule).EndpointName;
    const isolation = settings?.networkIsolation === true || settings?.networkIsolation === 'true';
    const definitionPath = definition ? constructPath(definition.stack, definition.id) : undefined;
    const isolationCell = settings ? (isolation ? 'on' : `${FLAG} off${acknowledged(acknowledgmentsFor(contents, [definitionPath, constructPath(schedule.stack, schedule.id)], (id) => /NetworkIsolation/.test(id)))}`) : 'n/a';
    const constraints = definition && kind ? props(definition)[kind.baseline]?.ConstraintsResource?.S3Uri : config.MonitoringJobDefinition?.BaselineConfig?.ConstraintsResource?.S3Uri;
    const dependsOn = asList<string>((definition?.resource as any)?.DependsOn);
    const deployTime = dependsOn.some((id) => DEPLOY_TIME_JOBS.includes(definition!.stack.resources[id]?.Type ?? ''));
    const baseline = isSet(constraints) ? `${deployTime ? 'computed during the deploy' : 'from S3'}: ${show(constraints)}` : 'none (metrics only, no violations)';
    const watching = alarms.filter((alarm) => alarm.stack === schedule.stack && [props(alarm), ...asList<any>(props(alarm).Metrics).map((m) => m.MetricStat?.Metric ?? {})]
      .some((metric) => asList<any>(metric.Dimensions).some((d) => d.Name === 'MonitoringSchedule' && same(d.Value, name))));
    return [where(schedule), kind?.what ?? String(config.MonitoringType ?? 'data quality'), show(endpoint),
      show(config.ScheduleConfig?.ScheduleExpression), isolationCell,
      settings ? yes(settings.interContainerEncryption === true || settings.interContainerEncryption === 'true', 'on', 'off') : 'n/a',
      settings ? yes(isSet(settings.volumeKmsKeyId), 'KMS', 'none') : 'n/a', settings ? yes(isSet(settings.outputKmsKeyId), 'KMS', 'none') : 'n/a',
      baseline, watching.length ? `${watching.length} alarm(s)` : 'none'];
  });
}

/**
 * Every acknowledgment, sorted by rule then path, each with the id flags cite: `A-` and six hex
 * digits of a hash of its rule and path, so adding one acknowledgment does not renumber the others
 * in a review's diff. The rule is hashed as the review shows it (hashes in it as `<hash>`): a rule
 * id that names a job by its configuration hash (which follows an image's asset hash) keeps its id
 * when only the image's contents change.
 */
export function numberedAcknowledgments(contents: CloudAssemblyContents): Array<Acknowledgment & { id: string; stack: string }> {
  const cached = numbered.get(contents);
  if (cached) return cached;
  const list = contents.stacks.flatMap((stack) => stack.acknowledgments.map((a) => ({ ...a, stack: stack.name })))
    .sort((a, b) => `${a.rule} ${a.path}`.localeCompare(`${b.rule} ${b.path}`))
    .map((a) => ({ ...a, id: `A-${createHash('sha256').update(`${show(a.rule)}\n${a.path}`).digest('hex').slice(0, 6)}` }));
  numbered.set(contents, list);
  return list;
}
const numbered = new WeakMap<CloudAssemblyContents, Array<Acknowledgment & { id: string; stack: string }>>();

/** Whether an acknowledgment made on `ackPath` covers the construct at `path` (it or below it). */
export const covers = (ackPath: string, path: string) => path === ackPath || path.startsWith(`${ackPath}/`);

/** A rule pack's acknowledgments: ids `<pack>-<rule>` (cdk-nag) or `<pack>::<rule>` (CDK's plugins). */
const ofPack = (pack: string, rule: string) => rule.startsWith(`${pack}-`) || rule.startsWith(`${pack}::`);

/**
 * The rule packs' results and every acknowledgment with its reason. The status tells apart an app
 * with findings ("failing", each finding flagged), an app that every pack passed ("clean under N
 * packs", named) and an app no pack checked ("not checked"): CDK's report leaves passing packs
 * out, so which packs ran comes from what `SageMakerChecks` recorded on each stack.
 */
export function compliance(contents: CloudAssemblyContents): string[] {
  const lines = ['## Compliance', ''];
  const reports = contents.validation ?? [];
  const acknowledgments = numberedAcknowledgments(contents);
  const recorded = [...new Set(contents.stacks.flatMap((stack) => stack.validatedBy ?? []))].sort();
  const unchecked = contents.stacks.filter((stack) => (stack.validatedBy ?? []).length === 0).map((stack) => stack.name);
  const findings = reports.flatMap((report) => report.violations.map((violation) => ({ report, violation })));
  const failing = reports.filter((report) => report.conclusion !== 'success');
  const packs = [...new Set([...recorded, ...reports.map((r) => r.plugin)])].sort();
  if (failing.length > 0) {
    lines.push(`**Status: ${FLAG} failing**: ${failing.map((r) => r.plugin).join(', ')} reported ${findings.length} finding(s) nobody acknowledged.`, '');
  } else if (recorded.length > 0 && unchecked.length === 0) {
    lines.push(`**Status: clean under ${recorded.length} pack(s)**: ${recorded.join(', ')}${findings.length ? ` (${findings.length} warning(s) below)` : ''}.`, '');
  } else if (recorded.length > 0) {
    lines.push(`**Status: clean under ${recorded.length} pack(s)** (${recorded.join(', ')}), but ${FLAG} not checked: ${unchecked.join(', ')}.`, '');
  } else if (reports.length > 0) {
    lines.push(`**Status: clean under the ${reports.length} pack(s) the validation report names**: ${reports.map((r) => r.plugin).join(', ')}; ${FLAG} which other packs ran is not recorded. `
      + 'Register `SageMakerChecks` with the app as its scope (`new SageMakerChecks(app)`) so the review can name every pack that passed.', '');
  } else {
    lines.push(`**Status: ${FLAG} not checked**: no rule pack recorded that it ran over these stacks, and the validation report lists none. `
      + 'Register `SageMakerChecks` with the app as its scope (`new SageMakerChecks(app)`) so a clean result can be told from no check.', '');
  }
  if (packs.length > 0) {
    lines.push(...table(['rule pack', 'conclusion', 'findings', 'acknowledged'], packs.map((pack) => {
      const report = reports.find((r) => r.plugin === pack);
      const conclusion = report?.conclusion ?? 'success';
      return [pack, conclusion === 'success' ? conclusion : `${FLAG} ${conclusion}`, String(report?.violations.length ?? 0),
        String(acknowledgments.filter((a) => ofPack(pack, a.rule)).length)];
    })));
  }
  if (findings.length > 0) {
    lines.push(`### Findings (${findings.length})`, '', ...table(['rule pack', 'rule', 'severity', 'where', 'description'], findings.map(({ report, violation }) =>
      [report.plugin, violation.rule, violation.severity === 'error' || violation.severity === 'fatal' ? `${FLAG} ${violation.severity}` : violation.severity,
        violation.paths.join(', '), show(violation.description)])));
  }
  lines.push(`### Acknowledged findings (${acknowledgments.length})`, '', ...table(['id', 'rule', 'where', 'reason'], acknowledgments.map((a) => [a.id, show(a.rule), a.path, show(a.reason)])));
  return lines;
}

/** For a flag outside Identity: which acknowledgment ids speak to it, by what the flag says. */
const RULES_BY_FLAG: Array<[RegExp, RegExp]> = [
  [/SSE-S3/, /S3DefaultEncryptionKMS|s3_bucket_default_encryption_kms/],
  [/0\.0\.0\.0\/0|::\/0/, /EC2RestrictedCommonPorts|EC2RestrictedSSH|EC2RestrictedInbound|AwsSolutions-EC23/],
  [/never expires/, /LogGroupRetention|LogRetention/],
  [/rotation .*off/, /KeyRotation|AwsSolutions-KMS5/],
  [/not in a VPC/, /InVPC|InVpc|lambda_inside_vpc/],
  [/network isolation|⚠ off/, /NetworkIsolation/],
  [/none$|not encrypted|no KMS/, /Kms|KMS|Encrypt/],
];

/** One flag of the report: where (`Stack/LogicalId`, or '' for the app), what, and who acknowledged it. */
export interface FlagEntry {
  readonly where: string;
  readonly flag: string;
  readonly acks: string[];
}

/**
 * Every flag in the body, with the acknowledgments that cover it. A flag is located by its table
 * row (the first cell names the resource) or by the role or security group heading above it.
 */
export function collectFlags(contents: CloudAssemblyContents, body: string[]): FlagEntry[] {
  const stacks = new Map(contents.stacks.map((stack) => [stack.name, stack]));
  const pathOf = (located: string) => {
    const slash = located.indexOf('/');
    const stack = stacks.get(located.slice(0, slash));
    return stack ? constructPath(stack, located.slice(slash + 1)) : undefined;
  };
  const rows: FlagEntry[] = [];
  let heading = '';
  for (const line of body) {
    const located = /^### (\S+\/\S+)$/.exec(line)?.[1] ?? /^- \*\*(\S+\/\S+)\*\*/.exec(line)?.[1];
    if (located) heading = located;
    if (/^## /.test(line)) heading = '';
    if (!line.includes(FLAG)) continue;
    const cells = line.startsWith('|') ? line.split(/(?<!\\) \| /).map((c) => c.replace(/^\| |\|$/g, '').trim()) : undefined;
    const where = cells && stacks.has(cells[0].slice(0, cells[0].indexOf('/'))) ? cells[0] : heading;
    const flagged = cells ? cells.filter((c) => c.includes(FLAG)) : [line.replace(/^\s*- /, '')];
    for (const cell of flagged) {
      const explicit = /\((?:acknowledged: ([^)]*)|not acknowledged)\)$/.exec(cell);
      const flag = cell.replace(/ \((?:acknowledged: [^)]*|not acknowledged)\)$/, '').replace(/\*\*/g, '').replace(`${FLAG} `, '');
      const acks = explicit ? (explicit[1] ?? '').split(', ').filter(Boolean)
        : acknowledgmentsFor(contents, [pathOf(where)], (id) => RULES_BY_FLAG.some(([text, rule]) => text.test(cell) && rule.test(id)));
      rows.push({ where, flag, acks });
    }
  }
  return rows.sort((a, b) => Number(a.acks.length > 0) - Number(b.acks.length > 0) || a.where.localeCompare(b.where) || a.flag.localeCompare(b.flag));
}

/** The index of every flag: flags with no acknowledgment first, so a reviewer starts with what nobody has argued for. */
export function flagIndex(flags: FlagEntry[]): string[] {
  const open = flags.filter((r) => r.acks.length === 0).length;
  return ['## Flags and their acknowledgments', '',
    `${flags.length} flag(s), ${open} with no acknowledgment (listed first); the ids name rows of "Acknowledged findings".`, '',
    ...table(['where', 'flag', 'acknowledged by'], flags.map((r) => [r.where || '(app)', r.flag, r.acks.join(', ') || 'none']))];
}
