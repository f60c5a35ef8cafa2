/**
 * The K-Means specification, read by the image at run time and by the constructs at synth (see
 * ../runtime/spec.ts for why it lives here): the built-in algorithm's hyperparameters with their
 * documented types, ranges and defaults, the metrics it prints per channel, and the content types
 * per channel. Imports nothing.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/k-means-api-config.html
 */
import type { AlgorithmSpecification } from '../runtime/spec';

const CHANNEL_TYPES = ['text/csv', 'application/x-recordio-protobuf'];

export const KMEANS_SPEC = {
  name: 'kmeans',
  hyperparameters: {
    feature_dim: { type: 'int', min: 1, required: true },
    k: { type: 'int', min: 1, required: true },
    epochs: { type: 'int', min: 1, default: 1 },
    eval_metrics: { type: 'metrics', values: ['msd', 'ssd'], default: '["msd"]' },
    extra_center_factor: { type: 'int', min: 1, auto: true, default: 'auto' },
    half_life_time_size: { type: 'int', min: 0, default: 0 },
    init_method: { type: 'choice', values: ['random', 'kmeans++'], default: 'random' },
    local_lloyd_init_method: { type: 'choice', values: ['random', 'kmeans++'], default: 'kmeans++' },
    local_lloyd_max_iter: { type: 'int', min: 1, default: 300 },
    local_lloyd_num_trials: { type: 'int', min: 1, auto: true, default: 'auto' },
    local_lloyd_tol: { type: 'float', min: 0, default: 0.0001 },
    mini_batch_size: { type: 'int', min: 1, default: 5000 },
    _compute_backend: { type: 'choice', values: ['auto', 'cpu', 'cuda', 'cuda-tf32'], default: 'auto', description: 'companion image only' },
    _collective_port: { type: 'int', min: 1024, max: 65535, default: 7070, description: 'companion image only: the TCP port on which the first host coordinates multi-host training' },
    _collective_timeout: { type: 'int', min: 1, max: 3600, default: 300, description: 'companion image only: seconds a host waits for the others (to join, then at each collective step) before the job fails naming them' },
  },
  channels: ['train', 'test'],
  contentTypes: { train: CHANNEL_TYPES, test: CHANNEL_TYPES },
  inference: {
    accept: ['text/csv', 'application/json', 'application/jsonlines', 'application/x-recordio-protobuf'],
    produce: ['application/json', 'application/jsonlines', 'text/csv', 'application/x-recordio-protobuf'],
  },
  metrics: { '': { test: ['msd', 'ssd'] } },
} as const satisfies AlgorithmSpecification;
