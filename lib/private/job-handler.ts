import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { SageMakerNetwork } from '../core/network';
import { DeployTimeFunction } from '../core/private/deploy-time-function';

const HANDLER = 'sagemaker-job';

/**
 * The stack's one SageMaker job handler (lib/handlers/sagemaker-job): it starts, stops and reports
 * deploy-time jobs, reads registry versions and writes their metrics, and promotes versions for
 * retraining pipelines. Whoever needs it first creates it, always with the same settings; the
 * network is asked for only then (a registry in a stack without jobs may have to make one).
 */
export function jobHandler(scope: Construct, encryptionKey: kms.IKey, network: SageMakerNetwork | (() => SageMakerNetwork)): DeployTimeFunction {
  return DeployTimeFunction.existing(scope, HANDLER) ?? DeployTimeFunction.of(scope, {
    handler: HANDLER,
    description: 'Starts, stops and reports the deploy-time SageMaker jobs of this stack',
    encryptionKey,
    network: typeof network === 'function' ? network() : network,
    timeout: Duration.minutes(5),
  });
}
