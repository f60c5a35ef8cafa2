import { AssemblyStack, CloudAssemblyContents } from './cloud-assembly';
import { referencedIds } from './references';
import { TRAINING_JOB_RESOURCE_TYPE, TUNING_JOB_RESOURCE_TYPE } from '../../core/private/resource-types';

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
  'AWS::IAM::Role': { label: 'Role', shape: 'house' },
  'AWS::KMS::Key': { label: 'KMS key', shape: 'octagon' },
  'AWS::S3::Bucket': { label: 'Bucket', shape: 'cylinder' },
};

/**
 * A Graphviz (DOT) graph of the assembly: one cluster per stack; SageMaker resources, roles,
 * keys, buckets and VPCs; edges for "runs as" (resource to role), "uses" (role to key or bucket,
 * from its policies), "in" (resource to VPC, through its subnets) and "encrypted by" (to keys).
 * Sorted throughout, so the same assembly always gives the same graph.
 */
export function diagram(contents: CloudAssemblyContents): string {
  const lines = ['digraph architecture {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=8];'];
  const edges = new Set<string>();
  contents.stacks.forEach((stack, index) => {
    lines.push(`  subgraph cluster_${index} {`, `    label=${quote(stack.name)};`, '    style=rounded;');
    for (const [id, resource] of sorted(stack)) {
      const drawn = DRAWN[resource.Type];
      if (drawn) lines.push(`    ${node(stack, id)} [label=${quote(`${drawn.label}\\n${shortName(id)}`)}, shape=${drawn.shape}];`);
    }
    lines.push('  }');
    for (const edge of stackEdges(stack)) edges.add(edge);
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
  // A role's policies: which keys and buckets it may use.
  for (const [, policy] of sorted(stack).filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy')) {
    const roles = [...referencedIds(policy.Properties?.Roles)].filter((r) => typeOf(r) === 'AWS::IAM::Role');
    const targets = [...referencedIds(policy.Properties?.PolicyDocument)].filter((t) => typeOf(t) === 'AWS::KMS::Key' || typeOf(t) === 'AWS::S3::Bucket');
    for (const role of roles) for (const target of targets) edges.push(edge(stack, role, target, 'may use'));
  }
  return [...new Set(edges)];
}

const sorted = (stack: AssemblyStack) => Object.entries(stack.resources).sort(([a], [b]) => a.localeCompare(b));
const node = (stack: AssemblyStack, id: string) => quote(`${stack.name}/${id}`);
const edge = (stack: AssemblyStack, from: string, to: string, label: string) => `  ${node(stack, from)} -> ${node(stack, to)} [label=${quote(label)}];`;
const quote = (text: string) => `"${text.replace(/"/g, '\\"')}"`;

/** `KMeansExecutionRoleBDE7060A` -> `KMeansExecutionRole`: the hash CDK appends is noise in a picture. */
function shortName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}
