import type { SageMakerNetwork } from '../core/network';

/** A VPC configuration as the L1 resources take it (`CfnModel`, monitoring job definitions). */
export interface VpcConfig {
  readonly securityGroupIds: string[];
  readonly subnets: string[];
}

/** The network's workload security group and subnets: where every job, model and monitor runs. */
export function vpcConfigOf(network: SageMakerNetwork): VpcConfig {
  return {
    securityGroupIds: [network.securityGroup.securityGroupId],
    subnets: network.vpc.selectSubnets(network.subnets).subnetIds,
  };
}

/** The same configuration in the SageMaker API's names (`VpcConfig` of CreateTrainingJob and friends). */
export function apiVpcConfigOf(network: SageMakerNetwork): { SecurityGroupIds: string[]; Subnets: string[] } {
  const { securityGroupIds, subnets } = vpcConfigOf(network);
  return { SecurityGroupIds: securityGroupIds, Subnets: subnets };
}
