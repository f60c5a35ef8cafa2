import { InstanceType } from '../../lib/core/instance-type';

describe('InstanceType', () => {
  test('knows which instance types have GPUs', () => {
    expect(InstanceType.ML_G5_XLARGE.hasGpu).toBe(true);
    expect(InstanceType.of('ml.p4d.24xlarge').hasGpu).toBe(true);
    expect(InstanceType.ML_M5_LARGE.hasGpu).toBe(false);
    expect(InstanceType.of('ml.c5.18xlarge').family).toBe('c5');
    expect(InstanceType.ML_M5_XLARGE.toString()).toBe('ml.m5.xlarge');
  });

  test.each(['m5.large', 'ml.m5', 'ML.M5.LARGE', 'ml.m5.huge', 't3.medium', ''])('rejects %p with the allowed shape', (name) => {
    expect(() => InstanceType.of(name)).toThrow(new RegExp(`instanceType: got ${JSON.stringify(name).replace(/\./g, '\\.')}; allowed: a SageMaker ML instance type of the form ml\\.<family>\\.<size>`));
  });
});
