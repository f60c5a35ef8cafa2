/**
 * The model-quality monitor reads the companion Linear Learner's captured responses at the
 * attribute paths MonitoredEndpoint sets. This feeds the real serving code one request per
 * inference (as the README asks callers to), wraps request and response as data capture records,
 * joins them with ground truth records in the documented merge format by inference id, and reads
 * the prediction, probability and label back through the paths in the synthesized job definition.
 * @see https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-model-quality-merge.html
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { LINEAR_LEARNER_FORMAT } from '../../containers/linear-learner/train';
import { loadLinearLearnerPredictor } from '../../containers/linear-learner/serve';
import { OptMl } from '../../containers/runtime/layout';
import { Algorithm } from '../../lib/core/algorithm';
import { SecureBucket } from '../../lib/core/storage';
import { ProblemType } from '../../lib/inference/model-quality-monitor';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { ModelSource } from '../../lib/models/model-source';
import { newStack } from '../helpers/nag';

/** The EndpointInput the construct renders for a Linear Learner endpoint of this problem type. */
function endpointInputFor(problemType: ProblemType): { InferenceAttribute?: string; ProbabilityAttribute?: string; ProbabilityThresholdAttribute?: number } {
  const stack = newStack();
  const data = new SecureBucket(stack, 'Data');
  new MonitoredEndpoint(stack, 'Endpoint', {
    model: ModelSource.fromS3(Algorithm.linearLearner(), data.bucket, 'models/churn/model.tar.gz'),
    monitoring: { modelQuality: { problemType, groundTruth: { bucket: data.bucket, prefix: 'labels/' } } },
  });
  const [definition] = Object.values(Template.fromStack(stack).findResources('AWS::SageMaker::ModelQualityJobDefinition')) as any[];
  return definition.Properties.ModelQualityJobInput.EndpointInput;
}

/** A model directory holding a Linear Learner model with these weights (no scaling). */
function servingLayout(predictor: string, weights: number[], bias: number | number[], label: { mean: number; scale: number } = { mean: 0, scale: 1 }): OptMl {
  const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-mq-')));
  fs.mkdirSync(layout.modelDir, { recursive: true });
  const classes = Array.isArray(bias) ? bias.length : 1;
  const d = weights.length / classes;
  fs.writeFileSync(path.join(layout.modelDir, 'model.json'), JSON.stringify({
    algorithm: 'linear-learner', format_version: LINEAR_LEARNER_FORMAT, predictor_type: predictor, feature_dim: d,
    weights, bias, ...(classes > 1 ? { num_classes: classes } : {}),
    mean: Array(d).fill(0), scale: Array(d).fill(1), label_mean: label.mean, label_scale: label.scale,
  }));
  return layout;
}

/** A data capture record of one request and its response, as the endpoint writes it (CSV and JSON declared as text). */
function captureRecord(inferenceId: string, request: string, response: string) {
  return {
    captureData: {
      endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: request, encoding: 'CSV' },
      endpointOutput: { observedContentType: 'application/json', mode: 'OUTPUT', data: response, encoding: 'JSON' },
    },
    eventMetadata: { eventId: `event-${inferenceId}`, inferenceId, inferenceTime: '2026-01-01T00:00:00Z' },
    eventVersion: '0',
  };
}

/** A ground truth record in the format the README documents. */
function groundTruthRecord(inferenceId: string, label: string) {
  return { groundTruthData: { data: label, encoding: 'CSV' }, eventMetadata: { eventId: inferenceId }, eventVersion: '0' };
}

/** The value at a path of `name`, `[index]` and `.name` steps (the subset the construct's defaults use). */
function at(document: unknown, attribute: string): unknown {
  const steps = attribute.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  return steps.reduce<any>((value, step) => (step.startsWith('[') ? value?.[Number(step.slice(1, -1))] : value?.[step]), document);
}

/** Merges captures with labels by inference id (the capture's event id when it has none), reading the monitor's attributes. */
function merge(captures: ReturnType<typeof captureRecord>[], labels: ReturnType<typeof groundTruthRecord>[], input: ReturnType<typeof endpointInputFor>) {
  // Both sides as JSON Lines, as they lie in S3.
  const capturedLines = captures.map((c) => JSON.stringify(c)).join('\n').split('\n').map((line) => JSON.parse(line));
  const truth = new Map(labels.map((l) => JSON.stringify(l)).map((line) => JSON.parse(line)).map((l) => [l.eventMetadata.eventId, l.groundTruthData.data]));
  return capturedLines.map((record) => {
    const response = JSON.parse(record.captureData.endpointOutput.data);
    const id = record.eventMetadata.inferenceId ?? record.eventMetadata.eventId;
    return {
      id,
      prediction: input.InferenceAttribute ? at(response, input.InferenceAttribute) : undefined,
      probability: input.ProbabilityAttribute ? at(response, input.ProbabilityAttribute) : undefined,
      label: truth.get(id),
    };
  });
}

describe('model-quality monitor attributes over the companion Linear Learner\'s captured responses', () => {
  test('binary classifier: the predicted label, the probability of 1 and the threshold agree with the labels', async () => {
    // GIVEN the attributes the construct sets, and a model scoring x1 - x2
    const input = endpointInputFor(ProblemType.BINARY_CLASSIFICATION);
    expect(input).toMatchObject({ InferenceAttribute: 'predictions[0].predicted_label', ProbabilityAttribute: 'predictions[0].score', ProbabilityThresholdAttribute: 0.5 });
    const predictor = loadLinearLearnerPredictor(servingLayout('binary_classifier', [1, -1], 0));
    const rows = [['a', '3,1', '1'], ['b', '1,3', '0'], ['c', '2,0', '1'], ['d', '0,0.5', '1']];
    // WHEN each row is one request, captured, and labelled later
    const captures = [];
    for (const [id, features] of rows) {
      const response = await predictor.invoke(Buffer.from(features), 'text/csv', 'application/json');
      captures.push(captureRecord(id, features, response.body.toString()));
    }
    const merged = merge(captures, rows.map(([id, , label]) => groundTruthRecord(id, label)), input);
    // THEN every record has a label, a 0/1 prediction and a probability consistent with the threshold
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    expect(merged.map((m) => m.label)).toEqual(['1', '0', '1', '1']);
    expect(merged.map((m) => m.prediction)).toEqual([1, 0, 1, 0]);
    merged.forEach((m, i) => {
      const [x1, x2] = rows[i][1].split(',').map(Number);
      expect(m.probability).toBeCloseTo(sigmoid(x1 - x2), 6);
      expect((m.probability as number) > input.ProbabilityThresholdAttribute! ? 1 : 0).toBe(m.prediction);
    });
    // One wrong of four: the accuracy Model Monitor would report.
    expect(merged.filter((m) => String(m.prediction) === m.label).length / merged.length).toBe(0.75);
  });

  test('multiclass: the predicted label is the class index the labels use', async () => {
    const input = endpointInputFor(ProblemType.MULTICLASS_CLASSIFICATION);
    expect(input.ProbabilityAttribute).toBeUndefined();
    // Three classes over two features: class 0 likes x1, class 1 likes x2, class 2 neither.
    const predictor = loadLinearLearnerPredictor(servingLayout('multiclass_classifier', [2, 0, 0, 2, 0, 0], [0, 0, 1]));
    const rows = [['a', '3,0', '0'], ['b', '0,3', '1'], ['c', '0,0', '2']];
    const captures = [];
    for (const [id, features] of rows) captures.push(captureRecord(id, features, (await predictor.invoke(Buffer.from(features), 'text/csv', 'application/json')).body.toString()));
    const merged = merge(captures, rows.map(([id, , label]) => groundTruthRecord(id, label)), input);
    expect(merged.map((m) => [String(m.prediction), m.label])).toEqual([['0', '0'], ['1', '1'], ['2', '2']]);
  });

  test('regressor: the value is the score, in the label\'s units', async () => {
    const input = endpointInputFor(ProblemType.REGRESSION);
    expect(input).toMatchObject({ InferenceAttribute: 'predictions[0].score' });
    // Trained on standardised labels: the response undoes it (mean 10, scale 2).
    const predictor = loadLinearLearnerPredictor(servingLayout('regressor', [1, 0.5], 0, { mean: 10, scale: 2 }));
    const rows = [['a', '1,2', '14'], ['b', '-1,0', '8']];
    const captures = [];
    for (const [id, features] of rows) captures.push(captureRecord(id, features, (await predictor.invoke(Buffer.from(features), 'text/csv', 'application/json')).body.toString()));
    const merged = merge(captures, rows.map(([id, , label]) => groundTruthRecord(id, label)), input);
    merged.forEach((m) => expect(m.prediction).toBeCloseTo(Number(m.label), 6));
  });
});
