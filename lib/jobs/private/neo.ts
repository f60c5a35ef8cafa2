import { Fn, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Algorithm, AlgorithmBindOptions, AlgorithmImageConfig } from '../../core/algorithm';
import { regionalRegistryAccount } from '../../core/private/regional-registry';
import { SageMakerExecutionRole } from '../../core/roles';

/** SageMaker instance families Neo compiles for and SageMaker hosting serves from Neo's images. */
export const CLOUD_CPU_DEVICES = ['ml_c4', 'ml_c5', 'ml_m4', 'ml_m5'];
export const CLOUD_GPU_DEVICES = ['ml_p2', 'ml_p3', 'ml_g4dn'];
/** Inferentia and Trainium families. */
export const INFERENTIA1_DEVICES = ['ml_inf1'];
export const NEURONX_DEVICES = ['ml_inf2', 'ml_trn1'];
/** Edge devices Neo names (CreateCompilationJob's TargetDevice). */
export const EDGE_DEVICES = [
  'jetson_tx1', 'jetson_tx2', 'jetson_nano', 'jetson_xavier', 'rasp3b', 'rasp4b', 'imx8qm', 'deeplens', 'rk3399', 'rk3288',
  'aisage', 'sbe_c', 'qcs605', 'qcs603', 'sitara_am57x', 'amba_cv2', 'amba_cv22', 'amba_cv25', 'x86_win32', 'x86_win64',
  'coreml', 'jacinto_tda4vm', 'imx8mplus',
];
export const ALL_DEVICES = [...CLOUD_CPU_DEVICES, ...CLOUD_GPU_DEVICES, ...INFERENTIA1_DEVICES, ...NEURONX_DEVICES, ...EDGE_DEVICES];

export const PLATFORM_OS = ['LINUX', 'ANDROID'];
export const PLATFORM_ARCH = ['X86_64', 'X86', 'ARM64', 'ARM_EABI', 'ARM_EABIHF'];
export const PLATFORM_ACCELERATORS = ['INTEL_GRAPHICS', 'MALI', 'NVIDIA', 'NNA'];
/** Compiler options Neo requires for an NVIDIA platform. */
export const NVIDIA_COMPILER_OPTIONS = ['gpu-code', 'trt-ver', 'cuda-ver'];

/**
 * The frameworks Neo documents for each kind of target, and for cloud instances the versions
 * (newest accepted, or the exact list).
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/neo-supported-cloud.html
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/neo-supported-inferentia.html
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/neo-supported-devices-edge-frameworks.html
 */
export const CLOUD_FRAMEWORKS = ['MXNET', 'ONNX', 'KERAS', 'PYTORCH', 'TENSORFLOW', 'XGBOOST'];
export const INFERENTIA1_FRAMEWORKS = ['MXNET', 'PYTORCH', 'TENSORFLOW'];
export const NEURONX_FRAMEWORKS = ['PYTORCH'];
export const EDGE_FRAMEWORKS = ['MXNET', 'ONNX', 'KERAS', 'PYTORCH', 'TENSORFLOW', 'TFLITE', 'XGBOOST', 'DARKNET'];
export const CLOUD_VERSIONS: Record<string, { readonly upTo?: string; readonly exactly?: string[] }> = {
  MXNET: { upTo: '1.8' },
  ONNX: { upTo: '1.7' },
  KERAS: { upTo: '2.2' },
  XGBOOST: { upTo: '1.3' },
  PYTORCH: { exactly: ['1.4', '1.5', '1.6', '1.7', '1.8', '1.12', '1.13', '2.0'] },
  TENSORFLOW: { exactly: ['1.15', '2.9'] },
};

/** The frameworks Neo documents for a device. */
export function frameworksOfDevice(device: string): string[] {
  if (CLOUD_CPU_DEVICES.includes(device) || CLOUD_GPU_DEVICES.includes(device)) return CLOUD_FRAMEWORKS;
  if (INFERENTIA1_DEVICES.includes(device)) return INFERENTIA1_FRAMEWORKS;
  if (NEURONX_DEVICES.includes(device)) return NEURONX_FRAMEWORKS;
  return EDGE_FRAMEWORKS;
}

/** `1.8.1` → `1.8`: Neo and its images speak major.minor. */
export function majorMinor(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/** Whether version a is at most b (major.minor). */
export function atMost(a: string, b: string): boolean {
  const [am, an] = majorMinor(a).split('.').map(Number);
  const [bm, bn] = majorMinor(b).split('.').map(Number);
  return am < bm || (am === bm && (an || 0) <= (bn || 0));
}

/**
 * Registries of Neo's inference images by region.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/neo-deployment-hosting-services-container-images.html
 */
const NEO_ACCOUNTS: Readonly<Record<string, string>> = {
  'af-south-1': '774647643957',
  'ap-east-1': '110948597952',
  'ap-northeast-1': '941853720454',
  'ap-northeast-2': '151534178276',
  'ap-northeast-3': '925152966179',
  'ap-south-1': '763008648453',
  'ap-southeast-1': '324986816169',
  'ap-southeast-2': '355873309152',
  'ca-central-1': '464438896020',
  'cn-north-1': '472730292857',
  'cn-northwest-1': '474822919863',
  'eu-central-1': '746233611703',
  'eu-north-1': '601324751636',
  'eu-south-1': '966458181534',
  'eu-west-1': '802834080501',
  'eu-west-2': '205493899709',
  'eu-west-3': '254080097072',
  'me-south-1': '836785723513',
  'sa-east-1': '756306329178',
  'us-east-1': '785573368785',
  'us-east-2': '007439368137',
  'us-gov-west-1': '263933020539',
  'us-west-1': '710691900526',
  'us-west-2': '301217895009',
};
/** The XGBoost image's registries: the same but for ap-northeast-3. */
const NEO_XGBOOST_ACCOUNTS: Readonly<Record<string, string>> = { ...NEO_ACCOUNTS, 'ap-northeast-3': '364406365360' };
/** PyTorch versions Neo's PyTorch inference image has a tag for. */
const PYTORCH_IMAGE_VERSIONS = ['1.4', '1.5', '1.6', '1.7', '1.8', '1.12'];

/** Neo's inference image for a framework and device, or why there is none this library knows. */
export function neoServingImage(framework: string, version: string | undefined, device: string | undefined):
{ repository: string; tag: string; accounts: Readonly<Record<string, string>>; mappingId: string } | { none: string } {
  const cpu = device !== undefined && CLOUD_CPU_DEVICES.includes(device);
  const gpu = device !== undefined && CLOUD_GPU_DEVICES.includes(device);
  if (!cpu && !gpu) {
    return { none: `Neo's inference images serve models compiled for ${[...CLOUD_CPU_DEVICES, ...CLOUD_GPU_DEVICES].join(', ')}; give servingAlgorithm for this target` };
  }
  if (framework === 'XGBOOST') return { repository: 'xgboost-neo', tag: 'latest', accounts: NEO_XGBOOST_ACCOUNTS, mappingId: 'SageMakerNeoXgboostRegistries' };
  if (framework === 'PYTORCH' && version && PYTORCH_IMAGE_VERSIONS.includes(majorMinor(version))) {
    return { repository: 'sagemaker-inference-pytorch', tag: `${majorMinor(version)}-${gpu ? 'gpu' : 'cpu'}-py3`, accounts: NEO_ACCOUNTS, mappingId: 'SageMakerNeoRegistries' };
  }
  return { none: `this library knows Neo's inference image for XGBoost and PyTorch ${PYTORCH_IMAGE_VERSIONS.join(', ')}; give servingAlgorithm for ${framework}${version ? ` ${version}` : ''}` };
}

/** Neo's inference image for a compiled model, pulled from the region's registry. */
export class NeoServingAlgorithm extends Algorithm {
  constructor(private readonly repository: string, private readonly tag: string,
    private readonly accounts: Readonly<Record<string, string>>, private readonly mappingId: string) {
    super(`neo-${repository}`, { canServe: true }, false);
  }

  public bind(scope: Construct, role: SageMakerExecutionRole, _options?: AlgorithmBindOptions): AlgorithmImageConfig {
    const stack = Stack.of(scope);
    const account = regionalRegistryAccount(scope, this.mappingId, this.accounts, `SageMaker Neo's ${this.repository} image`);
    role.grantPullFrom(`arn:${stack.partition}:ecr:${stack.region}:${account}:repository/${this.repository}`,
      'SageMaker Neo\'s inference image registry for the region.');
    return { imageUri: Fn.join('', [account, '.dkr.ecr.', stack.region, '.', stack.urlSuffix, `/${this.repository}:${this.tag}`]) };
  }
}
