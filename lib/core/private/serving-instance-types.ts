import { InstanceType } from '../instance-type';

/**
 * The instance types a model is assumed to be served on when its construct is not told: general
 * purpose and compute optimised CPU instances. A companion algorithm's model then gets its CPU
 * image, which also runs on a GPU instance (serving's per-request work runs on the CPU kernels).
 */
export const DEFAULT_SERVING_INSTANCE_TYPES: readonly InstanceType[] = [
  InstanceType.ML_M5_LARGE, InstanceType.ML_M5_XLARGE, InstanceType.of('ml.c5.xlarge'), InstanceType.of('ml.c5.2xlarge'),
];
