/**
 * The job handler and the constructs each declare the kinds of job (handler code never imports
 * construct code, so the declaration is in both places): they must agree, or a job would start
 * and never be signalled, or not start at all.
 */
import { BEST_TRAINING_JOB_RESOURCE_TYPE as HANDLER_BEST_JOB } from '../../lib/handlers/sagemaker-job';
import { JOB_KINDS } from '../../lib/handlers/sagemaker-job/kinds';
import { AUTOML_MODEL_RESOURCE_TYPE as HANDLER_AUTOML_MODEL } from '../../lib/handlers/sagemaker-job/automl';
import { COMPILED_ARTIFACT_RESOURCE_TYPE as HANDLER_COMPILED_ARTIFACT } from '../../lib/handlers/sagemaker-job/compilation';
import { AUTOML_MODEL_RESOURCE_TYPE, BEST_TRAINING_JOB_RESOURCE_TYPE, COMPILED_ARTIFACT_RESOURCE_TYPE } from '../../lib/core/private/resource-types';
import { AUTOML_JOB, COMPILATION_JOB, JobKind, PROCESSING_JOB, TRAINING_JOB, TUNING_JOB } from '../../lib/private/job-kinds';

const CONSTRUCT_KINDS: JobKind[] = [TRAINING_JOB, TUNING_JOB, PROCESSING_JOB, COMPILATION_JOB, AUTOML_JOB];

describe('the kinds of deploy-time job', () => {
  test.each(CONSTRUCT_KINDS.map((kind) => [kind.resourceType, kind]))('%s is served by the handler under the same names', (_type, kind) => {
    const served = JOB_KINDS.find((api) => api.resourceType === kind.resourceType);
    expect(served).toBeDefined();
    expect(served!.requestProperty).toBe(kind.requestProperty);
    expect(served!.signalKind).toBe(kind.signalKind);
    // The handler reads the job's name from the same request field the construct hashes it into.
    expect(served!.nameOf({ [kind.requestNameField]: 'job-1' })).toBe('job-1');
  });

  test('the handler serves no kind the constructs do not declare, and reads the same result type', () => {
    expect(JOB_KINDS.map((api) => api.resourceType).sort()).toEqual(CONSTRUCT_KINDS.map((kind) => kind.resourceType).sort());
    expect(TUNING_JOB.result?.resourceType).toBe(BEST_TRAINING_JOB_RESOURCE_TYPE);
    expect(HANDLER_BEST_JOB).toBe(BEST_TRAINING_JOB_RESOURCE_TYPE);
    expect(COMPILATION_JOB.result?.resourceType).toBe(COMPILED_ARTIFACT_RESOURCE_TYPE);
    expect(HANDLER_COMPILED_ARTIFACT).toBe(COMPILED_ARTIFACT_RESOURCE_TYPE);
    expect(AUTOML_JOB.result?.resourceType).toBe(AUTOML_MODEL_RESOURCE_TYPE);
    expect(HANDLER_AUTOML_MODEL).toBe(AUTOML_MODEL_RESOURCE_TYPE);
  });

  test('each kind says how its end is learned: an event, or a poll where SageMaker sends none', () => {
    for (const kind of CONSTRUCT_KINDS) {
      expect(Boolean(kind.end.event) !== Boolean(kind.end.pollInterval)).toBe(true);
    }
    // SageMaker's EventBridge events include no compilation or AutoML job state change.
    expect(COMPILATION_JOB.end.event).toBeUndefined();
    expect(AUTOML_JOB.end.event).toBeUndefined();
  });
});
