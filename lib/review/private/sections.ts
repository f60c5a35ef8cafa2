import { asList, isSet, referencedIds, show } from './references';
import { Acknowledgment, AssemblyStack, CloudAssemblyContents, TemplateResource } from './cloud-assembly';
import { jobSettingsFromTemplate, NOT_APPLICABLE } from '../../nag/private/job-settings';
import { TRAINING_JOB_RESOURCE_TYPE, TUNING_JOB_RESOURCE_TYPE } from '../../core/private/resource-types';

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

function encryption(contents: CloudAssemblyContents, stack: AssemblyStack, keyValue: unknown): string {
  if (!isSet(keyValue)) return `${FLAG} none`;
  const rotation = keyRotation(contents);
  const ids = [...referencedIds(keyValue)];
  const key = ids.map((id) => (id.includes('/') ? id : `${stack.name}/${id}`)).find((id) => rotation.has(id));
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

/** Every role: who may assume it and what it may do, by service. */
export function identity(contents: CloudAssemblyContents): string[] {
  const lines = ['## Identity', ''];
  const policies = ofType(contents, 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy');
  const roles = ofType(contents, 'AWS::IAM::Role');
  if (roles.length === 0) return [...lines, '_None._', ''];
  for (const role of roles) {
    const p = props(role);
    lines.push(`### ${where(role)}`, '');
    if (p.Description) lines.push(`${show(p.Description)}`, '');
    for (const statement of asList<any>(p.AssumeRolePolicyDocument?.Statement)) {
      const principals = Object.entries<any>(statement.Principal ?? {}).map(([kind, value]) => `${kind} ${asList(value).map(show).join(', ')}`);
      const conditions = statement.Condition ? ` when ${show(JSON.stringify(statement.Condition))}` : ` ${FLAG} no conditions`;
      lines.push(`- assumed by ${principals.join('; ')}${conditions.replace(/"/g, '')}`);
    }
    const statements: any[] = [
      ...asList<any>(p.Policies).flatMap((policy) => asList(policy.PolicyDocument?.Statement).map((s: any) => ({ ...s, inline: true }))),
      ...policies.filter((policy) => policy.stack === role.stack && asList(props(policy).Roles).some((r) => referencedIds(r).has(role.id)))
        .flatMap((policy) => asList<any>(props(policy).PolicyDocument?.Statement).map((s) => ({ ...s, inline: policy.resource.Type === 'AWS::IAM::Policy' }))),
    ];
    for (const managed of asList(p.ManagedPolicyArns)) lines.push(`- ${FLAG} AWS-managed policy ${show(managed)}`);
    const byService = new Map<string, string[]>();
    for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
      const actions = asList<string>(statement.Action);
      const resources = asList(statement.Resource).map(show);
      const wildcard = actions.some((a) => a.includes('*')) || resources.some((r) => r.includes('*'));
      const text = `${wildcard ? `${FLAG} ` : ''}${actions.join(', ')} on ${resources.join(', ')}${statement.Condition ? ` when ${show(JSON.stringify(statement.Condition)).replace(/"/g, '')}` : ''}${statement.inline ? ' (inline policy)' : ''}`;
      for (const service of new Set(actions.map((a) => a.split(':')[0]))) {
        byService.set(service, [...(byService.get(service) ?? []), text]);
      }
    }
    for (const service of [...byService.keys()].sort()) {
      lines.push(`- **${service}**`);
      for (const text of [...new Set(byService.get(service))].sort()) lines.push(`  - ${text}`);
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
  'AWS::StepFunctions::StateMachine': 'Step Functions SageMaker task',
};

function jobs(contents: CloudAssemblyContents): Job[] {
  return ofType(contents, ...Object.keys(JOB_KINDS)).flatMap((located) =>
    jobSettingsFromTemplate(located.resource.Type, props(located)).map((settings) => ({ located, kind: JOB_KINDS[located.resource.Type], settings })));
}

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

/** Every acknowledgment, sorted by rule then path, each with the id (`A1`, `A2`, ...) flags cite. */
export function numberedAcknowledgments(contents: CloudAssemblyContents): Array<Acknowledgment & { id: string; stack: string }> {
  const cached = numbered.get(contents);
  if (cached) return cached;
  const list = contents.stacks.flatMap((stack) => stack.acknowledgments.map((a) => ({ ...a, stack: stack.name })))
    .sort((a, b) => `${a.rule} ${a.path}`.localeCompare(`${b.rule} ${b.path}`))
    .map((a, index) => ({ ...a, id: `A${index + 1}` }));
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
  } else {
    lines.push(`**Status: ${FLAG} not checked**: no rule pack recorded that it ran over these stacks${reports.length ? `; the validation report names ${reports.map((r) => r.plugin).join(', ')}` : ''}. `
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
