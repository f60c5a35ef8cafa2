/**
 * The CloudFormation types of this library's custom resources, named once: the constructs create
 * them, the rule pack judges them and the review describes them. The job handler
 * (lib/handlers/sagemaker-job) keeps its own table, as handler code never imports construct code;
 * test/handlers/job-kinds.test.ts checks that the two agree.
 */
export const TRAINING_JOB_RESOURCE_TYPE = 'Custom::SageMakerTrainingJob';
export const TUNING_JOB_RESOURCE_TYPE = 'Custom::SageMakerTuningJob';
export const BEST_TRAINING_JOB_RESOURCE_TYPE = 'Custom::SageMakerBestTrainingJob';
export const S3_PREFIX_LIST_RESOURCE_TYPE = 'Custom::S3PrefixList';
/** CDK's own type for this remediation, which cdk-nag's VPCDefaultSecurityGroupClosed recognises. */
export const RESTRICT_DEFAULT_SECURITY_GROUP_RESOURCE_TYPE = 'Custom::VpcRestrictDefaultSG';
export const APPROVED_MODEL_PACKAGE_RESOURCE_TYPE = 'Custom::SageMakerApprovedModelPackage';
export const MODEL_METRICS_RESOURCE_TYPE = 'Custom::SageMakerModelMetrics';
export const PROCESSING_JOB_RESOURCE_TYPE = 'Custom::SageMakerProcessingJob';
export const ANALYSIS_CONFIG_RESOURCE_TYPE = 'Custom::SageMakerClarifyAnalysisConfig';
export const COMPILATION_JOB_RESOURCE_TYPE = 'Custom::SageMakerCompilationJob';
/** Read after a compilation job ends: where Neo wrote the compiled artifact. */
export const COMPILED_ARTIFACT_RESOURCE_TYPE = 'Custom::SageMakerCompiledArtifact';
export const AUTOML_JOB_RESOURCE_TYPE = 'Custom::SageMakerAutoMLJob';
/** Made after an AutoML job ends: a SageMaker model of its best candidate's containers. */
export const AUTOML_MODEL_RESOURCE_TYPE = 'Custom::SageMakerAutoMLModel';
export const AUTOML_MODEL_PACKAGE_RESOURCE_TYPE = 'Custom::SageMakerAutoMLModelPackage';
