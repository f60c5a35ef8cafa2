import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IDependable } from 'constructs';
import { SageMakerKey } from './encryption';
import { DeployTimeFunction } from './private/deploy-time-function';
import { RESTRICT_DEFAULT_SECURITY_GROUP_RESOURCE_TYPE, S3_PREFIX_LIST_RESOURCE_TYPE } from './private/resource-types';
import { ManagedPolicyRole } from './managed-policy-role';
import { acknowledge } from './private/nag-acknowledgments';
import { ValidationProblems } from './private/validation';

/**
 * Interface endpoints every SageMaker network gets (DESIGN.md section 5): the SageMaker APIs,
 * STS for role sessions, CloudWatch Logs and metrics, ECR for images, and KMS.
 */
export const DEFAULT_ENDPOINT_SERVICES: readonly string[] = [
  'sagemaker.api', 'sagemaker.runtime', 'sagemaker.featurestore-runtime', 'sts', 'logs', 'monitoring',
  'ecr.api', 'ecr.dkr', 'kms',
];

/** Other services a SageMaker platform may need to reach privately. */
const OPTIONAL_ENDPOINT_SERVICES: readonly string[] = [
  'states', 'events', 'sqs', 'sns', 'glue', 'athena', 'lambda', 'secretsmanager', 'ssm', 'ec2',
  'elasticfilesystem', 'application-autoscaling', 'sagemaker.metrics', 'codeartifact.api', 'codeartifact.repositories',
];


const KNOWN_ENDPOINT_SERVICES = new Set([...DEFAULT_ENDPOINT_SERVICES, ...OPTIONAL_ENDPOINT_SERVICES]);

/**
 * Properties of a {@link SageMakerNetwork}.
 */
export interface SageMakerNetworkProps {
  /**
   * A VPC of your own to place SageMaker workloads in. Its subnets must reach the endpoints this
   * construct creates (or that you already have, see `createEndpoints`).
   *
   * @default - a new VPC with isolated subnets only (no NAT gateway, no internet gateway)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets SageMaker workloads and the interface endpoints use.
   *
   * @default - the VPC's isolated subnets
   */
  readonly subnets?: ec2.SubnetSelection;

  /**
   * Availability Zones for a new VPC (at least 2, so endpoints and multi-instance workloads survive
   * an AZ outage). Ignored when `vpc` is given. An environment-agnostic stack gets at most 2.
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * The IPv4 range of a new VPC. Ignored when `vpc` is given.
   *
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;

  /**
   * Interface endpoints to add beyond the default set (`DEFAULT_ENDPOINT_SERVICES`), by service
   * name as in `com.amazonaws.<region>.<name>`, e.g. `states`, `events`, `glue`.
   *
   * @default - none
   */
  readonly additionalEndpoints?: string[];

  /**
   * Create the default interface endpoints and the S3 gateway endpoint (and the `ec2` endpoint
   * the deploy-time S3 prefix-list lookup calls, unless `s3PrefixListId` is given). Turn off only
   * for a VPC of your own that already has them with private DNS.
   *
   * @default true
   */
  readonly createEndpoints?: boolean;

  /**
   * The ID of the AWS-managed S3 prefix list of the region (`com.amazonaws.<region>.s3`), which
   * workload egress is limited to.
   *
   * @default - looked up at deploy time with ec2:DescribeManagedPrefixLists, by a function in
   * the VPC's isolated subnets through the `ec2` interface endpoint
   */
  readonly s3PrefixListId?: string;

  /**
   * The key that encrypts the flow log group; constructs given this network share it by default.
   *
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long VPC flow logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * The network SageMaker workloads run in: an isolated VPC across at least two Availability Zones,
 * the interface endpoints SageMaker needs (private DNS on), an S3 gateway endpoint, flow logs to a
 * KMS-encrypted log group, and two security groups: one for workloads (self-referencing for
 * distributed training; egress only to the endpoints and S3) and one for the endpoints (HTTPS
 * from workloads only).
 */
export class SageMakerNetwork extends Construct {
  /** The VPC. */
  public readonly vpc: ec2.IVpc;

  /** The subnets SageMaker workloads use. */
  public readonly subnets: ec2.SubnetSelection;

  /** The security group of SageMaker workloads (jobs, models, endpoints, monitors). */
  public readonly securityGroup: ec2.SecurityGroup;

  /** The security group of the interface endpoints. */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;

  /** The key shared by constructs that are given this network and no key of their own. */
  public readonly encryptionKey: kms.IKey;

  /** The region's S3 prefix list ID, which workload egress to S3 is limited to. */
  public readonly s3PrefixListId: string;

  private readonly endpoints = new Map<string, ec2.InterfaceVpcEndpoint>();

  constructor(scope: Construct, id: string, props: SageMakerNetworkProps = {}) {
    super(scope, id);
    validate(scope, id, props);

    this.encryptionKey = props.encryptionKey ?? new SageMakerKey(this, 'Key', {
      description: `SageMaker platform data (${this.node.path})`,
    }).key;
    this.vpc = props.vpc ?? this.createVpc(props);
    this.subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'VPC interface endpoints: HTTPS from SageMaker workloads only',
      allowAllOutbound: false,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'WorkloadSecurityGroup', {
      vpc: this.vpc,
      description: 'SageMaker workloads: each other (distributed training), the VPC endpoints and S3',
      allowAllOutbound: false,
    });
    this.securityGroup.connections.allowInternally(ec2.Port.allTraffic(), 'Distributed training between instances of a job');
    const selfOnly = 'Ingress comes only from this security group itself: SageMaker distributed training needs all ports open between the instances of a job, and nothing else can reach them.';
    acknowledge(this.securityGroup, [
      ['HIPAA.Security-EC2RestrictedCommonPorts', selfOnly],
      ['NIST.800.53.R5-EC2RestrictedCommonPorts', selfOnly],
      ['PCI.DSS.321-EC2RestrictedCommonPorts', selfOnly],
    ]);
    this.securityGroup.connections.allowTo(this.endpointSecurityGroup, ec2.Port.tcp(443), 'AWS APIs through the VPC endpoints');

    // What the deploy-time functions below call, from inside the VPC: EC2's API and S3 (their
    // CloudFormation responses). With endpoints of your own they are yours to provide.
    const apiReady: IDependable[] = [];
    if (props.createEndpoints ?? true) {
      apiReady.push(this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [this.subnets] }));
      for (const service of DEFAULT_ENDPOINT_SERVICES) {
        this.addInterfaceEndpoint(service);
      }
      const needsEc2 = props.s3PrefixListId === undefined || props.vpc === undefined;
      if (needsEc2) apiReady.push(this.addInterfaceEndpoint('ec2'));
    }
    for (const service of props.additionalEndpoints ?? []) {
      this.addInterfaceEndpoint(service);
    }

    this.s3PrefixListId = props.s3PrefixListId ?? this.lookUpS3PrefixList(apiReady);
    this.securityGroup.addEgressRule(ec2.Peer.prefixList(this.s3PrefixListId), ec2.Port.tcp(443), 'S3 through the gateway endpoint');
    if (props.vpc === undefined) {
      this.restrictDefaultSecurityGroup(this.vpc as ec2.Vpc, apiReady);
    }
  }

  /**
   * Lets a security group of your own (a Lambda function's, a notebook's) reach the AWS APIs through
   * this network's interface endpoints and S3 through the gateway endpoint, over HTTPS only.
   */
  public allowEndpointAccess(securityGroup: ec2.ISecurityGroup): void {
    securityGroup.connections.allowTo(this.endpointSecurityGroup, ec2.Port.tcp(443), 'AWS APIs through the VPC endpoints');
    securityGroup.addEgressRule(ec2.Peer.prefixList(this.s3PrefixListId), ec2.Port.tcp(443), 'S3 through the gateway endpoint');
  }

  /**
   * Adds an interface endpoint with private DNS for a service, e.g. `states`; adding the same
   * service twice returns the existing endpoint.
   *
   * @param service the service name as in `com.amazonaws.<region>.<name>`
   */
  public addInterfaceEndpoint(service: string): ec2.InterfaceVpcEndpoint {
    const existing = this.endpoints.get(service);
    if (existing) return existing;
    if (!KNOWN_ENDPOINT_SERVICES.has(service)) {
      ValidationProblems.of('SageMakerNetwork.addInterfaceEndpoint()', this, '')
        .add('service', service, `one of ${[...KNOWN_ENDPOINT_SERVICES].sort().join(', ')}`)
        .throwIfAny();
    }
    const endpoint = this.vpc.addInterfaceEndpoint(endpointId(service), {
      service: new ec2.InterfaceVpcEndpointAwsService(service),
      subnets: this.subnets,
      privateDnsEnabled: true,
      securityGroups: [this.endpointSecurityGroup],
      open: false,
    });
    this.endpoints.set(service, endpoint);
    return endpoint;
  }

  private createVpc(props: SageMakerNetworkProps): ec2.Vpc {
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: this.encryptionKey,
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? '10.0.0.0/16'),
      maxAzs: props.maxAzs ?? 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
      // Restricted by our own in-VPC function instead (restrictDefaultSecurityGroup below): CDK's
      // runs outside any VPC.
      restrictDefaultSecurityGroup: false,
    });
    const flowLogRole = new ManagedPolicyRole(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Delivers VPC flow logs of the SageMaker network to CloudWatch Logs',
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup, flowLogRole),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    return vpc;
  }

  /**
   * Finds the region's AWS-managed S3 prefix list at deploy time. Its ID differs by region, and an
   * environment-agnostic stack cannot look it up at synth.
   */
  private lookUpS3PrefixList(apiReady: IDependable[]): string {
    const lookup = DeployTimeFunction.of(this, {
      handler: 's3-prefix-list',
      description: 'Finds the region\'s AWS-managed S3 prefix list for the SageMaker workload security groups of this stack',
      encryptionKey: this.encryptionKey,
      network: this,
      beforeS3PrefixList: true,
      dependencies: apiReady,
    }, (created) => acknowledge(created, [
      ['AwsSolutions-IAM5[Resource::*]', 'ec2:DescribeManagedPrefixLists supports no resource-level permissions; it is read-only.'],
    ]));
    lookup.allow(['ec2:DescribeManagedPrefixLists'], '*');
    return lookup.createResource(this, 'S3PrefixList', S3_PREFIX_LIST_RESOURCE_TYPE).getAttString('PrefixListId');
  }

  /**
   * Removes the default security group's rules (NIST 800-53 VPCDefaultSecurityGroupClosed), with
   * a function in the VPC's isolated subnets: nothing this library deploys runs outside them.
   */
  private restrictDefaultSecurityGroup(vpc: ec2.Vpc, apiReady: IDependable[]): void {
    const stack = Stack.of(this);
    const restrictor = DeployTimeFunction.of(this, {
      handler: 'restrict-default-sg',
      description: 'Removes the rules of the default security group of this stack\'s SageMaker VPCs',
      encryptionKey: this.encryptionKey,
      network: this,
      dependencies: apiReady,
    });
    restrictor.allow(
      ['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
      stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: vpc.vpcDefaultSecurityGroup }),
    );
    // Where, and of the type, CDK's own restriction would be, which is how cdk-nag's
    // VPCDefaultSecurityGroupClosed (NIST, HIPAA, PCI) recognises the remediation.
    restrictor.createResource(vpc, 'RestrictDefaultSecurityGroupCustomResource', RESTRICT_DEFAULT_SECURITY_GROUP_RESOURCE_TYPE, {
      DefaultSecurityGroupId: vpc.vpcDefaultSecurityGroup,
      Account: stack.account,
    });
  }

}

function validate(scope: Construct, id: string, props: SageMakerNetworkProps): void {
  const problems = ValidationProblems.of('SageMakerNetwork', scope, id);
  if (props.maxAzs !== undefined) {
    problems.require(Number.isInteger(props.maxAzs) && props.maxAzs >= 2, 'maxAzs', props.maxAzs, 'an integer of at least 2 (SageMaker endpoints and multi-instance jobs need two AZs)');
    problems.require(props.vpc === undefined, 'maxAzs', props.maxAzs, 'only without vpc (a given VPC keeps its own AZs)');
  }
  if (props.cidr !== undefined) {
    problems.require(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-4])$/.test(props.cidr), 'cidr', props.cidr, 'an IPv4 CIDR block from /16 to /24, e.g. 10.0.0.0/16');
  }
  for (const service of props.additionalEndpoints ?? []) {
    problems.require(KNOWN_ENDPOINT_SERVICES.has(service), 'additionalEndpoints', service, `one of ${[...KNOWN_ENDPOINT_SERVICES].sort().join(', ')}`);
  }
  // A VPC cannot be built from a malformed CIDR block or too few AZs: those end the app at once.
  if (problems.count > 0 && (props.cidr !== undefined || props.maxAzs !== undefined)) problems.throwNow();
  problems.throwIfAny();
}

/** `sagemaker.featurestore-runtime` -> `SagemakerFeaturestoreRuntime` (a stable construct id). */
function endpointId(service: string): string {
  return service.split(/[.-]/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}
