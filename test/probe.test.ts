import * as ecr from 'aws-cdk-lib/aws-ecr';
import { SageMakerExecutionRole } from '../lib/core/roles';
import { SecureBucket } from '../lib/core/storage';
import { newStack, unacknowledgedFindings } from './helpers/nag';
import { Template } from 'aws-cdk-lib/assertions';
test('probe', () => {
  const stack = newStack();
  const b = new SecureBucket(stack, 'Data');
  const r = new SageMakerExecutionRole(stack, 'Role');
  r.grantRead(b.bucket, 'train/'); r.grantWrite(b.bucket, 'out/'); r.grantLogs('/aws/sagemaker/TrainingJobs'); r.allowVpcAccess(); r.allowPutMetricData();
  r.grantPull(ecr.Repository.fromRepositoryName(stack, 'Repo', 'kmeans'));
  r.grantPullFrom('arn:aws:ecr:*:*:repository/cdk-*', 'CDK assets');
  console.log(unacknowledgedFindings(stack).map((f) => `${f.rule} @ ${f.path}`).join('\n'));
  console.log(JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'), null, 1).slice(0, 3000));
});
