import { Token } from 'aws-cdk-lib';
import { InstanceType } from '../../lib/core/instance-type';

describe('InstanceType GPUs (SageMaker\'s instance families, CUDA 13)', () => {
  test.each([
    ['ml.g4dn.xlarge', 'sm_75'],
    ['ml.g5.48xlarge', 'sm_86'],
    ['ml.g6.xlarge', 'sm_89'],
    ['ml.gr6.4xlarge', 'sm_89'],
    ['ml.g6e.12xlarge', 'sm_89'],
    ['ml.g7e.2xlarge', 'sm_120'],
    ['ml.p4d.24xlarge', 'sm_80'],
    ['ml.p4de.24xlarge', 'sm_80'],
    ['ml.p5.4xlarge', 'sm_90'],
    ['ml.p5e.48xlarge', 'sm_90'],
    ['ml.p5en.48xlarge', 'sm_90'],
    ['ml.p6-b200.48xlarge', 'sm_100'],
    ['ml.p6-b300.48xlarge', 'sm_103'],
  ])('%s has a GPU the CUDA kernels run on (%s)', (name, architecture) => {
    const type = InstanceType.of(name);
    expect(type.gpuArchitecture).toBe(architecture);
    expect(type.hasGpu).toBe(true);
  });

  test.each([
    ['ml.p2.xlarge', 'sm_37'],
    ['ml.p3.2xlarge', 'sm_70'],
    ['ml.p3dn.24xlarge', 'sm_70'],
  ])('%s has an NVIDIA GPU that CUDA 13 does not support (%s): not a GPU for the companion images', (name, architecture) => {
    const type = InstanceType.of(name);
    expect(type.gpuArchitecture).toBe(architecture);
    expect(type.hasGpu).toBe(false);
  });

  test.each(['ml.m5.xlarge', 'ml.c7i.large', 'ml.r6id.2xlarge', 'ml.t3.medium', 'ml.inf2.xlarge', 'ml.trn1.32xlarge', 'ml.trn2.48xlarge', 'ml.g4ad.xlarge'])(
    '%s has no NVIDIA GPU', (name) => {
      const type = InstanceType.of(name);
      expect(type.gpuArchitecture).toBeUndefined();
      expect(type.hasGpu).toBe(false);
    });

  test('an instance type unknown at synth has no GPU known', () => {
    const token = InstanceType.of(Token.asString({ Ref: 'Type' }));
    expect(token.gpuArchitecture).toBeUndefined();
    expect(token.hasGpu).toBe(false);
  });
});
