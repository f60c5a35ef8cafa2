/**
 * The Clarify monitors read the companion Linear Learner's responses at the paths MonitoredEndpoint
 * sets: the bias monitor reads the captured JSON response (one record per request) at its
 * inference and probability attributes, and the explainability monitor's shadow copy is asked for
 * JSON Lines (Clarify sends many synthetic rows per request) and read at `score`, one line per row.
 * This serves a real model through the companion's serving code and reads its responses through the
 * paths in the synthesized template.
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
import { ShapBaseline } from '../../lib/inference/model-explainability-monitor';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { ModelSource } from '../../lib/models/model-source';
import { newStack } from '../helpers/nag';

/** The templates' bias endpoint input and explainability analysis configuration for a Linear Learner endpoint. */
function clarifySettings() {
  const stack = newStack();
  const data = new SecureBucket(stack, 'Data');
  new MonitoredEndpoint(stack, 'Endpoint', {
    model: ModelSource.fromS3(Algorithm.linearLearner(), data.bucket, 'models/churn/model.tar.gz'),
    endpointName: 'churn',
    monitoring: {
      bias: { label: 'churned', headers: ['x1', 'x2', 'churned'], facets: [{ name: 'x1', valuesOrThreshold: [1] }], groundTruth: { bucket: data.bucket, prefix: 'labels/' } },
      explainability: { shapBaseline: ShapBaseline.fromValues([0, 0]), headers: ['x1', 'x2'] },
    },
  });
  const template = Template.fromStack(stack);
  const [bias] = Object.values(template.findResources('AWS::SageMaker::ModelBiasJobDefinition')) as any[];
  const configs = Object.values(template.findResources('Custom::SageMakerClarifyAnalysisConfig')) as any[];
  const raw = configs.find((c) => c.Properties.Key === 'model-explainability/churn/analysis_config.json').Properties.Config;
  const explainability = JSON.parse(typeof raw === 'string' ? raw : raw['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : 'MODEL')).join(''));
  return { biasInput: bias.Properties.ModelBiasJobInput.EndpointInput, predictor: explainability.predictor };
}

/** A binary Linear Learner scoring x1 - x2. */
function predictor() {
  const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-clarify-')));
  fs.mkdirSync(layout.modelDir, { recursive: true });
  fs.writeFileSync(path.join(layout.modelDir, 'model.json'), JSON.stringify({
    algorithm: 'linear-learner', format_version: LINEAR_LEARNER_FORMAT, predictor_type: 'binary_classifier', feature_dim: 2,
    weights: [1, -1], bias: 0, mean: [0, 0], scale: [1, 1], label_mean: 0, label_scale: 1,
  }));
  return loadLinearLearnerPredictor(layout);
}

/** The value at a path of `name`, `[index]` and `.name` steps. */
function at(document: unknown, attribute: string): unknown {
  const steps = attribute.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  return steps.reduce<any>((value, step) => (step.startsWith('[') ? value?.[Number(step.slice(1, -1))] : value?.[step]), document);
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('Clarify monitors\' attribute settings over the companion Linear Learner\'s responses', () => {
  const { biasInput, predictor: shadow } = clarifySettings();

  test('bias: the captured JSON response gives the predicted label and the probability at the attributes the definition sets', async () => {
    expect(biasInput).toMatchObject({ InferenceAttribute: 'predictions[0].predicted_label', ProbabilityAttribute: 'predictions[0].score', ProbabilityThresholdAttribute: 0.5 });
    const model = predictor();
    for (const [x1, x2] of [[3, 1], [1, 3], [0.2, 0]]) {
      const response = JSON.parse((await model.invoke(Buffer.from(`${x1},${x2}`), 'text/csv', 'application/json')).body.toString());
      const probability = at(response, biasInput.ProbabilityAttribute) as number;
      expect(probability).toBeCloseTo(sigmoid(x1 - x2), 6);
      expect(at(response, biasInput.InferenceAttribute)).toBe(probability > biasInput.ProbabilityThresholdAttribute ? 1 : 0);
    }
  });

  test('explainability: the shadow copy answers the batch of rows in the accept type the configuration asks, one score per row at its probability path', async () => {
    expect(shadow).toMatchObject({ content_type: 'text/csv', accept_type: 'application/jsonlines', probability: 'score' });
    const rows = [[3, 1], [1, 3], [0, 0], [2, 2.5]];
    const response = await predictor().invoke(Buffer.from(rows.map((r) => r.join(',')).join('\n')), shadow.content_type, shadow.accept_type);
    expect(response.contentType).toBe('application/jsonlines');
    const lines = response.body.toString().split('\n').map((line: string) => JSON.parse(line));
    expect(lines).toHaveLength(rows.length);
    lines.forEach((line: unknown, i: number) => expect(at(line, shadow.probability)).toBeCloseTo(sigmoid(rows[i][0] - rows[i][1]), 6));
  });
});
