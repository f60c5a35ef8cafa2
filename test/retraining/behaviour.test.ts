/**
 * What a retraining run does, by running the synthesized definition with Step Functions'
 * semantics (aws-local-stepfunctions); SageMaker, the registry and the promotion function are
 * stand-ins at the Task states (the AWS API boundary). The definition is also checked as valid
 * Amazon States Language (asl-validator).
 */
import { definitionOf, runLocally, TaskStandIn } from '../helpers/local-step-functions';
import { ModelApproval } from '../../lib/retraining/model-approval';
import { RetrainingConcurrency } from '../../lib/retraining/retraining-concurrency';
import { retrainingFixture, tuningProps } from './pipeline-fixture';

// asl-validator ships no type declarations: its one function, as its README gives it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator: (definition: unknown) => { isValid: boolean; errors: unknown[] } = require('asl-validator');

const JOB_ARN = 'arn:aws:sagemaker:eu-west-1:111122223333:training-job/retrain-abc';
const VERSION = (n: number) => `arn:aws:sagemaker:eu-west-1:111122223333:model-package/churn/${n}`;

/** A training job that completed with this validation loss (as the .sync integration returns it). */
const trained = (loss: number | undefined): TaskStandIn => (request) => ({
  TrainingJobName: request.TrainingJobName, TrainingJobArn: JOB_ARN, TrainingJobStatus: 'Completed',
  ModelArtifacts: { S3ModelArtifacts: `s3://data-lake/models/churn/${request.TrainingJobName}/output/model.tar.gz` },
  FinalMetricDataList: [{ MetricName: 'train:objective_loss', Value: 0.1 }, ...(loss === undefined ? [] : [{ MetricName: 'validation:objective_loss', Value: loss }])],
});
/** The version in production was registered with this loss (or none is approved yet). */
const production = (loss?: number): Record<string, TaskStandIn> => ({
  OtherRuns: () => ({ Executions: [{ executionArn: 'this one' }] }),
  ProductionVersion: () => ({ ModelPackageSummaryList: loss === undefined ? [] : [{ ModelPackageArn: VERSION(1) }] }),
  ProductionMetric: () => ({ CustomerMetadataProperties: { evaluation_metric: 'validation:objective_loss', evaluation_value: String(loss) } }),
  Register: () => ({ ModelPackageArn: VERSION(2) }),
});

describe('the retraining state machine', () => {
  const automatic = definitionOf(retrainingFixture().template);

  test('is valid Amazon States Language', () => {
    const { isValid, errors } = aslValidator(automatic);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  test('a model that passes is trained with the secure settings, evaluated and registered approved', async () => {
    // WHEN a scheduled run trains a model whose loss (0.2) is under the threshold (0.3) and beats production (0.25)
    const { output, calls } = await runLocally(automatic, { trigger: 'schedule' }, { ...production(0.25), Train: trained(0.2) });
    // THEN
    const [job] = calls.Train;
    expect(job.TrainingJobName).toMatch(/^[a-z0-9-]+-[0-9a-f]{8}$/);
    expect(job).toMatchObject({ EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true, EnableManagedSpotTraining: true, VpcConfig: expect.any(Object) });
    expect(job.ResourceConfig.VolumeKmsKeyId).toBeDefined();
    expect(job.CheckpointConfig.S3Uri).toMatch(new RegExp(`checkpoints/${job.TrainingJobName}/$`));
    expect(job.Tags).toContainEqual({ Key: 'sagemaker-secure-constructs:execution', Value: 'arn:aws:states:eu-west-1:111122223333:execution:retrain:run-1' });
    const [registration] = calls.Register;
    expect(registration).toMatchObject({
      ModelPackageGroupName: 'churn', ModelApprovalStatus: 'Approved',
      InferenceSpecification: { Containers: [{ ModelDataUrl: expect.stringContaining(`/${job.TrainingJobName}/output/model.tar.gz`) }] },
      MetadataProperties: { GeneratedBy: JOB_ARN },
      CustomerMetadataProperties: { evaluation_metric: 'validation:objective_loss', evaluation_value: '0.2', training_job: job.TrainingJobName },
      SecurityConfig: { KmsKeyId: expect.any(String) },
    });
    expect(output).toMatchObject({ status: 'registered', approval: 'Approved', modelPackageArn: VERSION(2) });
  });

  test('the execution input can name a partition of the inputs (a date)', async () => {
    const { calls } = await runLocally(automatic, { partition: '2026-11-29/' }, { ...production(), Train: trained(0.2) });
    expect(calls.Train[0].InputDataConfig.map((c: any) => c.DataSource.S3DataSource.S3Uri)).toEqual(['s3://ref-data-lake/churn/train/2026-11-29/', 's3://ref-data-lake/churn/validation/2026-11-29/'].map((u) => u.replace('ref-data-lake', 'data-lake')));
  });

  test('a model over the threshold is rejected: the run ends normally as "rejected", nothing is registered', async () => {
    const { output, calls } = await runLocally(automatic, {}, { ...production(0.25), Train: trained(0.45) });
    expect(output).toMatchObject({ status: 'rejected', reason: 'validation:objective_loss did not meet the evaluation.' });
    expect(calls.Register).toBeUndefined();
  });

  test('a model that loses to production is rejected; the first version has nothing to beat', async () => {
    const loses = await runLocally(automatic, {}, { ...production(0.1), Train: trained(0.2) });
    expect(loses.output).toMatchObject({ status: 'rejected' });
    const first = await runLocally(automatic, {}, { ...production(undefined), Train: trained(0.2) });
    expect(first.output).toMatchObject({ status: 'registered' });
    expect(first.calls.ProductionMetric).toBeUndefined();
  });

  test('a job that reports no value of the metric is rejected, not registered', async () => {
    const { output } = await runLocally(automatic, {}, { ...production(0.25), Train: trained(undefined) });
    expect(output).toMatchObject({ status: 'rejected', reason: 'The training job reported no validation:objective_loss.' });
  });

  test('a failing job fails the run (which the failed-runs alarm reports)', async () => {
    const failing = { ...production(0.25), Train: () => { throw Object.assign(new Error('ClientError: AlgorithmError: the data has NaN'), { name: 'SageMaker.AmazonSageMakerException' }); } };
    await expect(runLocally(automatic, {}, failing)).rejects.toThrow(/NaN|AmazonSageMakerException/);
  });

  test('a run while another is going is refused', async () => {
    const busy = { ...production(0.25), Train: trained(0.2), OtherRuns: () => ({ Executions: [{}, {}] }) };
    await expect(runLocally(automatic, {}, busy)).rejects.toThrow(/Another run of this retraining pipeline is still going/);
  });

  test('a run while another is going waits, when told to', async () => {
    const waiting = definitionOf(retrainingFixture(() => ({ concurrency: RetrainingConcurrency.WAIT })).template);
    let checks = 0;
    const { output } = await runLocally(waiting, {}, { ...production(), Train: trained(0.2), OtherRuns: () => ({ Executions: ++checks < 3 ? [{}, {}] : [{}] }) });
    expect(checks).toBe(3);
    expect(output).toMatchObject({ status: 'registered' });
  });

  test('a drift alarm\'s event starts a retraining run', async () => {
    const drift = { 'source': 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', 'detail': { alarmName: 'drift', state: { value: 'ALARM' } } };
    const { calls } = await runLocally(automatic, drift, { ...production(), Train: trained(0.2) });
    expect(calls.Train).toHaveLength(1);
  });

  test('tuning: the tuning job runs with the secure settings, then the best job is read and registered', async () => {
    const tuning = definitionOf(retrainingFixture(({ network, lake }) => tuningProps(network, lake)).template);
    const { output, calls } = await runLocally(tuning, {}, {
      ...production(),
      Tune: (request) => ({ HyperParameterTuningJobName: request.HyperParameterTuningJobName, BestTrainingJob: { TrainingJobName: `${request.HyperParameterTuningJobName}-007-abc` } }),
      BestTrainingJob: (request) => trained(0.2)({ TrainingJobName: request.TrainingJobName }),
    });
    expect(calls.Tune[0].HyperParameterTuningJobName.length).toBeLessThanOrEqual(32);
    expect(calls.Tune[0].TrainingJobDefinition).toMatchObject({ EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true });
    expect(calls.BestTrainingJob[0].TrainingJobName).toBe(`${calls.Tune[0].HyperParameterTuningJobName}-007-abc`);
    expect(output).toMatchObject({ status: 'registered' });
  });
});

describe('promotion', () => {
  const approved = (n: number) => ({ 'source': 'aws.sagemaker', 'detail-type': 'SageMaker Model Package State Change', 'detail': { ModelPackageGroupName: 'churn', ModelPackageArn: VERSION(n), ModelApprovalStatus: 'Approved' } });

  test('with manual approval a passing model is registered pending; the later approval promotes it with the endpoint\'s guardrails', async () => {
    const manual = definitionOf(retrainingFixture(() => ({ approval: ModelApproval.MANUAL })).template);
    // GIVEN a run that registers a version pending approval
    const run = await runLocally(manual, {}, { ...production(0.25), Train: trained(0.2) });
    expect(run.calls.Register[0].ModelApprovalStatus).toBe('PendingManualApproval');
    expect(run.calls.Promote).toBeUndefined();
    // WHEN a reviewer approves it (the approval event starts a run) and the endpoint takes the new configuration
    let polls = 0;
    const { output, calls } = await runLocally(manual, approved(2), {
      Promote: () => ({ Payload: { endpointConfigName: 'retrain-2-x', unchanged: false, promotedVariants: ['AllTraffic'] } }),
      EndpointStatus: () => (++polls < 2 ? { EndpointStatus: 'Updating', EndpointConfigName: 'old' } : { EndpointStatus: 'InService', EndpointConfigName: 'retrain-2-x' }),
    });
    // THEN
    expect(calls.Promote[0].Payload.promote).toMatchObject({ modelPackageArn: VERSION(2), modelPackageGroupName: 'churn' });
    expect(calls.OtherRuns).toBeUndefined();
    expect(polls).toBe(2);
    expect(output).toEqual({ status: 'promoted', modelPackageArn: VERSION(2) });
  });

  test('a promotion the endpoint\'s guardrails roll back fails the run', async () => {
    const definition = definitionOf(retrainingFixture().template);
    await expect(runLocally(definition, approved(3), {
      Promote: () => ({ Payload: { endpointConfigName: 'retrain-3-x', unchanged: false } }),
      EndpointStatus: () => ({ EndpointStatus: 'InService', EndpointConfigName: 'previous' }),
    })).rejects.toThrow(/guardrails rolled the update back/);
  });

  test('an endpoint that already serves the version is left as it is', async () => {
    const definition = definitionOf(retrainingFixture().template);
    const { output, calls } = await runLocally(definition, approved(2), { Promote: () => ({ Payload: { endpointConfigName: 'c', unchanged: true } }) });
    expect(output).toMatchObject({ status: 'promoted' });
    expect(calls.EndpointStatus).toBeUndefined();
  });
});
