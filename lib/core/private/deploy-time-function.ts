import * as fs from 'node:fs';
import * as path from 'node:path';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IDependable } from 'constructs';
import { ManagedPolicyRole } from '../managed-policy-role';
import { acknowledge, CONTROL_TOWER } from './nag-acknowledgments';
import type { SageMakerNetwork } from '../network';

/** Where `scripts/build-handlers.mjs` writes the bundled handlers (same path from .ts and .js). */
const HANDLERS_DIR = path.join(__dirname, '..', '..', '..', 'assets', 'handlers');

export interface DeployTimeFunctionProps {
  /** The handler's folder name under `lib/handlers/`. */
  readonly handler: string;
  readonly description: string;
  /** Encrypts the function's log group, dead-letter queue and environment. */
  readonly encryptionKey: kms.IKey;
  readonly timeout?: Duration;
  readonly environment?: Record<string, string>;
  /**
   * Runs the function in the network's isolated subnets (AWS Control Tower CT.LAMBDA.PR.3), with
   * its own security group that reaches only the network's VPC endpoints and S3: every function
   * this library deploys runs in a VPC.
   */
  readonly network: SageMakerNetwork;
  /**
   * The function finds the S3 prefix list itself, so its security group cannot name it: HTTPS
   * egress goes to any address instead. In isolated subnets the only routes out of the VPC are
   * the S3 gateway endpoint's, so that still means the VPC (its endpoints) and S3, where
   * CloudFormation's response URL is.
   */
  readonly beforeS3PrefixList?: boolean;
  /** What must exist before the function: the VPC endpoints it calls. */
  readonly dependencies?: IDependable[];
}

/**
 * A Lambda function that backs custom resources: its own least-privilege role (managed policy,
 * no AWS-managed policies), a KMS-encrypted log group kept a year, a KMS-encrypted dead-letter
 * queue for invocations that fail to run, and a small reserved concurrency so a deploy storm
 * cannot starve the account's other functions.
 *
 * `DeployTimeFunction.of` gives one function per stack and handler, whatever the number of
 * resources it serves (like CDK's SingletonFunction): each user adds its own permissions with
 * `allow`, which keeps one statement per set of actions and lists every user's resources in it.
 */
export class DeployTimeFunction extends Construct {
  /**
   * The stack's function for a handler: found, or created at the stack's root from these props
   * (the first user's network and key serve every later user in the stack); `setUp` runs once,
   * on the function just created.
   */
  public static of(scope: Construct, props: DeployTimeFunctionProps, setUp?: (created: DeployTimeFunction) => void): DeployTimeFunction {
    const existing = DeployTimeFunction.existing(scope, props.handler);
    if (existing) return existing;
    const created = new DeployTimeFunction(Stack.of(scope), functionId(props.handler), props);
    setUp?.(created);
    return created;
  }

  /** The stack's function for a handler, if one was created. */
  public static existing(scope: Construct, handler: string): DeployTimeFunction | undefined {
    const found = Stack.of(scope).node.tryFindChild(functionId(handler));
    return found instanceof DeployTimeFunction ? found : undefined;
  }

  public readonly function: lambda.Function;
  public readonly role: ManagedPolicyRole;
  /** The network the function runs in (an API it calls needs an endpoint there). */
  public readonly network: SageMakerNetwork;
  private readonly statements = new Map<string, iam.PolicyStatement>();

  constructor(scope: Construct, id: string, props: DeployTimeFunctionProps) {
    super(scope, id);
    this.network = props.network;
    const code = path.join(HANDLERS_DIR, props.handler);
    if (!fs.existsSync(path.join(code, 'index.js'))) {
      throw new Error(`The bundled handler ${props.handler} is missing from ${code}: run 'npm run build:handlers' (npm test and npm run synth do it first)`);
    }
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.handler} deploy-time handler`,
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));
    const deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(deadLetterQueue, [[`${CONTROL_TOWER}::sqs_dlq_check`, 'This is the function\'s dead-letter queue: a dead-letter queue of its own would only hold the same failed invocations again.']]);
    const securityGroup = this.createSecurityGroup(props.network, props.beforeS3PrefixList ?? false);
    this.function = new lambda.Function(this, 'Function', {
      vpc: props.network.vpc,
      vpcSubnets: props.network.subnets,
      securityGroups: [securityGroup],
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(code),
      description: props.description,
      role: this.role,
      logGroup,
      timeout: props.timeout ?? Duration.minutes(2),
      memorySize: 256,
      reservedConcurrentExecutions: 5,
      deadLetterQueue,
      environmentEncryption: props.encryptionKey,
      environment: props.environment,
    });
    for (const dependency of props.dependencies ?? []) {
      this.function.node.addDependency(dependency);
    }
  }

  /**
   * Allows the function `actions` on `resource`. Statements with the same actions and conditions
   * are one statement listing every resource, so the role's policy grows by an ARN per resource
   * served, not by a statement (a managed policy holds at most 6,144 characters).
   */
  public allow(actions: string[], resource: string, conditions?: Record<string, unknown>): void {
    const signature = JSON.stringify([actions, conditions ?? {}]);
    const existing = this.statements.get(signature);
    if (existing) {
      if (!existing.resources.includes(resource)) existing.addResources(resource);
      return;
    }
    const statement = new iam.PolicyStatement({ actions, resources: [resource], conditions });
    this.statements.set(signature, statement);
    this.role.addToPrincipalPolicy(statement);
  }

  /**
   * A custom resource served by this function. It depends on the function's whole role, managed
   * policy included, so CloudFormation never invokes the handler before its permissions exist.
   */
  public createResource(scope: Construct, id: string, resourceType: string, properties?: Record<string, unknown>): CustomResource {
    const resource = new CustomResource(scope, id, {
      serviceToken: this.function.functionArn,
      resourceType,
      properties,
      serviceTimeout: serviceTimeoutFor(this.function.timeout ?? Duration.minutes(2)),
    });
    resource.node.addDependency(this.role);
    return resource;
  }

  private createSecurityGroup(network: SageMakerNetwork, beforeS3PrefixList: boolean): ec2.SecurityGroup {
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      description: `Deploy-time handler ${this.node.path}: HTTPS to the VPC endpoints and S3 only`,
      allowAllOutbound: false,
    });
    if (beforeS3PrefixList) {
      securityGroup.connections.allowTo(network.endpointSecurityGroup, ec2.Port.tcp(443), 'AWS APIs through the VPC endpoints');
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'S3 (CloudFormation responses) before its prefix list is known; isolated subnets route nowhere else');
    } else {
      network.allowEndpointAccess(securityGroup);
    }
    // Lambda attaches the function's network interfaces itself with the function's role; EC2
    // grants these actions on no narrower resource than '*'.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestedRegion': Stack.of(this).region } },
    }));
    acknowledge(this.role, [['AwsSolutions-IAM5[Resource::*]', 'Lambda manages the network interfaces of a function in a VPC; EC2 supports no resource-level permissions for them (the grant is limited to the region).']]);
    return securityGroup;
  }
}

/**
 * How long CloudFormation waits for a custom resource's answer (its default is an hour). The
 * handlers answer before their own timeout; this bounds the cases they cannot (the function never
 * starts, or crashes): Lambda's first try and its two asynchronous retries, a minute and two
 * minutes apart, with two minutes to spare, so a late retry is still heard.
 */
export function serviceTimeoutFor(functionTimeout: Duration): Duration {
  return Duration.seconds(Math.min(3600, 3 * functionTimeout.toSeconds() + 300));
}

/** The stack-level id of a handler's function, e.g. `SageMakerDeployTimeSagemakerJob`. */
function functionId(handler: string): string {
  return `SageMakerDeployTime${handler.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`;
}
