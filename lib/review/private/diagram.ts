import { AssemblyStack, CloudAssemblyContents } from './cloud-assembly';
import { asList, referencedIds, show } from './references';
import type { FlagEntry } from './sections';
import { PROCESSING_JOB_RESOURCE_TYPE, TRAINING_JOB_RESOURCE_TYPE, TUNING_JOB_RESOURCE_TYPE } from '../../core/private/resource-types';

/** The resource types drawn, with their shape and a short name. */
const DRAWN: Record<string, { label: string; shape: string }> = {
  'AWS::EC2::VPC': { label: 'VPC', shape: 'box3d' },
  'AWS::SageMaker::Model': { label: 'Model', shape: 'component' },
  'AWS::SageMaker::EndpointConfig': { label: 'Endpoint config', shape: 'component' },
  'AWS::SageMaker::Endpoint': { label: 'Endpoint', shape: 'component' },
  'AWS::SageMaker::FeatureGroup': { label: 'Feature group', shape: 'cylinder' },
  'AWS::SageMaker::ProcessingJob': { label: 'Processing job', shape: 'component' },
  'AWS::SageMaker::DataQualityJobDefinition': { label: 'Data-quality job', shape: 'component' },
  'AWS::SageMaker::MonitoringSchedule': { label: 'Monitoring schedule', shape: 'component' },
  [TRAINING_JOB_RESOURCE_TYPE]: { label: 'Training job', shape: 'component' },
  [TUNING_JOB_RESOURCE_TYPE]: { label: 'Tuning job', shape: 'component' },
  [PROCESSING_JOB_RESOURCE_TYPE]: { label: 'Processing job', shape: 'component' },
  'AWS::IAM::Role': { label: 'Role', shape: 'house' },
  'AWS::KMS::Key': { label: 'KMS key', shape: 'octagon' },
  'AWS::S3::Bucket': { label: 'Bucket', shape: 'cylinder' },
};

/**
 * A Graphviz (DOT) graph of the assembly: one cluster per stack; SageMaker resources, roles,
 * keys, buckets and VPCs; edges for "runs as" (resource to role), "in" (resource to VPC, through
 * its subnets), "encrypted by" (to keys) and access: what each role's policies let it do to an
 * endpoint, a feature group, a bucket (with the prefix) or a key, in any stack of the app. A
 * resource the report flags is marked ⚠ with how many flags it has, red when one of them has no
 * acknowledgment. Sorted throughout, so the same assembly always gives the same graph.
 */
export function diagram(contents: CloudAssemblyContents, flags: FlagEntry[] = []): string {
  const lines = ['digraph architecture {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=8];'];
  const edges = new Set<string>();
  const flagged = new Map<string, { count: number; open: boolean }>();
  for (const flag of flags) {
    const entry = flagged.get(flag.where) ?? { count: 0, open: false };
    flagged.set(flag.where, { count: entry.count + 1, open: entry.open || flag.acks.length === 0 });
  }
  contents.stacks.forEach((stack, index) => {
    lines.push(`  subgraph cluster_${index} {`, `    label=${quote(stack.name)};`, '    style=rounded;');
    for (const [id, resource] of sorted(stack)) {
      const drawn = DRAWN[resource.Type];
      if (!drawn) continue;
      const mark = flagged.get(`${stack.name}/${id}`);
      const label = `${drawn.label}\\n${shortName(id)}${mark ? `\\n⚠ ${mark.count}` : ''}`;
      const style = mark ? `, color=${mark.open ? 'red' : 'orange'}, penwidth=2` : '';
      lines.push(`    ${node(stack, id)} [label=${quote(label)}, shape=${drawn.shape}${style}];`);
    }
    lines.push('  }');
    for (const edge of stackEdges(stack)) edges.add(edge);
    for (const edge of accessEdges(contents, stack)) edges.add(edge);
  });
  lines.push(...[...edges].sort(), '}');
  return lines.join('\n') + '\n';
}

function stackEdges(stack: AssemblyStack): string[] {
  const edges: string[] = [];
  const typeOf = (id: string) => stack.resources[id]?.Type;
  const subnetVpc = (id: string) => [...referencedIds(stack.resources[id]?.Properties?.VpcId)][0];
  for (const [id, resource] of sorted(stack)) {
    const drawn = DRAWN[resource.Type];
    if (!drawn || resource.Type === 'AWS::IAM::Role') continue;
    for (const target of [...referencedIds(resource.Properties)].sort()) {
      const type = typeOf(target);
      if (type === 'AWS::IAM::Role') edges.push(edge(stack, id, target, 'runs as'));
      if (type === 'AWS::KMS::Key' && resource.Type !== 'AWS::S3::Bucket') edges.push(edge(stack, id, target, 'encrypted by'));
      if (type === 'AWS::EC2::Subnet' && subnetVpc(target)) edges.push(edge(stack, id, subnetVpc(target), 'in'));
      if (type && DRAWN[type] && type.startsWith('AWS::SageMaker::')) edges.push(edge(stack, id, target, 'uses'));
    }
    if (resource.Type === 'AWS::S3::Bucket') {
      const key = [...referencedIds(resource.Properties?.BucketEncryption)].find((t) => typeOf(t) === 'AWS::KMS::Key');
      if (key) edges.push(edge(stack, id, key, 'encrypted by'));
    }
  }
  return [...new Set(edges)];
}

/** What the access edges point at, and the property that names each by a literal. */
const ACCESS_TARGETS: Record<string, string | undefined> = {
  'AWS::SageMaker::Endpoint': 'EndpointName',
  'AWS::SageMaker::FeatureGroup': 'FeatureGroupName',
  'AWS::S3::Bucket': undefined,
  'AWS::KMS::Key': undefined,
};

/**
 * A role's access, from its inline policies and the policies attached to it: one edge per role
 * and target, labelled with what it may do (`invoke`, `read`, `write`, ...) and, for a bucket,
 * the prefixes. A target is found by reference (imports are already resolved to the exporting
 * stack) or, for endpoints and feature groups, by the literal name in the ARN.
 */
function accessEdges(contents: CloudAssemblyContents, stack: AssemblyStack): string[] {
  const byName = new Map<string, string>();
  for (const other of contents.stacks) {
    for (const [id, resource] of Object.entries(other.resources)) {
      const nameKey = ACCESS_TARGETS[resource.Type];
      const name = nameKey ? resource.Properties?.[nameKey] : undefined;
      if (typeof name === 'string') byName.set(`${resource.Type === 'AWS::SageMaker::Endpoint' ? 'endpoint' : 'feature-group'}/${name.toLowerCase()}`, `${other.name}/${id}`);
    }
  }
  const typeOf = (qualified: string) => {
    const slash = qualified.lastIndexOf('/');
    return contents.stacks.find((s) => s.name === qualified.slice(0, slash))?.resources[qualified.slice(slash + 1)]?.Type;
  };
  const access = new Map<string, { verbs: Set<string>; prefixes: Set<string> }>();
  const grant = (role: string, statement: any) => {
    if (statement.Effect !== 'Allow') return;
    const actions = asList<string>(statement.Action);
    for (const resource of asList<unknown>(statement.Resource)) {
      const text = show(resource);
      const targets = new Set([...referencedIds(resource)].map((id) => (id.includes('/') ? id : `${stack.name}/${id}`)).filter((id) => typeOf(id) && typeOf(id)! in ACCESS_TARGETS));
      for (const [key, target] of byName) if (text.toLowerCase().endsWith(`:${key}`) || text.toLowerCase().includes(`:${key}/`)) targets.add(target);
      for (const target of targets) {
        const entry = access.get(`${role}|${target}`) ?? { verbs: new Set<string>(), prefixes: new Set<string>() };
        actions.forEach((action) => entry.verbs.add(verb(action)));
        const prefix = typeOf(target) === 'AWS::S3::Bucket' ? /\.Arn\/(.+)$/.exec(text)?.[1] : undefined;
        if (prefix) entry.prefixes.add(prefix.replace(/\*$/, '') || '/');
        access.set(`${role}|${target}`, entry);
      }
    }
  };
  for (const [id, resource] of sorted(stack)) {
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of asList<any>(resource.Properties?.Policies)) asList<any>(policy.PolicyDocument?.Statement).forEach((s) => grant(`${stack.name}/${id}`, s));
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      const roles = [...referencedIds(resource.Properties?.Roles)].filter((r) => stack.resources[r]?.Type === 'AWS::IAM::Role');
      for (const role of roles) asList<any>(resource.Properties?.PolicyDocument?.Statement).forEach((s) => grant(`${stack.name}/${role}`, s));
    }
  }
  return [...access.entries()].map(([pair, { verbs, prefixes }]) => {
    const [role, target] = pair.split('|');
    const label = `${[...verbs].sort().join(', ')}${prefixes.size ? `\\n${[...prefixes].sort().join('\\n')}` : ''}`;
    return `  ${quote(role)} -> ${quote(target)} [label=${quote(label)}, style=dashed];`;
  });
}

/** `s3:GetObject` -> `read`, `sagemaker:InvokeEndpoint` -> `invoke`, `kms:Decrypt` -> `decrypt`. */
function verb(action: string): string {
  const name = action.split(':')[1] ?? action;
  if (name === '*') return 'all';
  if (/^Invoke/.test(name)) return 'invoke';
  if (/^(Decrypt|Encrypt|ReEncrypt|GenerateDataKey|CreateGrant|DescribeKey)/.test(name)) return 'use key';
  if (/^(Get|List|Describe|Head|Select|Search|BatchGet|Query)/.test(name)) return 'read';
  if (/^(Put|Delete|Abort|Create|Update|BatchWrite|Restore)/.test(name)) return 'write';
  return name;
}

const sorted = (stack: AssemblyStack) => Object.entries(stack.resources).sort(([a], [b]) => a.localeCompare(b));
const node = (stack: AssemblyStack, id: string) => quote(`${stack.name}/${id}`);
const edge = (stack: AssemblyStack, from: string, to: string, label: string) => `  ${node(stack, from)} -> ${node(stack, to)} [label=${quote(label)}];`;
const quote = (text: string) => `"${text.replace(/"/g, '\\"')}"`;

/** `KMeansExecutionRoleBDE7060A` -> `KMeansExecutionRole`: the hash CDK appends is noise in a picture. */
function shortName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}
