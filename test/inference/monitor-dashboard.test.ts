import { Template } from 'aws-cdk-lib/assertions';
import { Algorithm } from '../../lib/core/algorithm';
import { SecureBucket } from '../../lib/core/storage';
import { BiasBaseline } from '../../lib/inference/model-bias-monitor';
import { ExplainabilityBaseline, ShapBaseline } from '../../lib/inference/model-explainability-monitor';
import { MonitoringBaseline } from '../../lib/inference/model-monitor';
import { ProblemType } from '../../lib/inference/model-quality-monitor';
import { MonitoredEndpoint } from '../../lib/inference/monitored-endpoint';
import { ModelSource } from '../../lib/models/model-source';
import { newStack } from '../helpers/nag';

/** The dashboard's widgets, references rendered as `{Ref}` / `{LogicalId.Attr}` so they can be told apart. */
function widgetsOf(template: Template): any[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
  const body = dashboard.Properties.DashboardBody;
  const render = (part: any): string => {
    if (typeof part === 'string') return part;
    if (part.Ref) return `{${part.Ref}}`;
    if (part['Fn::GetAtt']) return `{${part['Fn::GetAtt'].join('.')}}`;
    return '{?}';
  };
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map(render).join('');
  return JSON.parse(text).widgets;
}

describe('MonitoredEndpoint dashboard: each monitor\'s latest values and violations', () => {
  // GIVEN an endpoint with all four monitors, each with alarms
  const stack = newStack();
  const data = new SecureBucket(stack, 'Data');
  const endpoint = new MonitoredEndpoint(stack, 'Endpoint', {
    model: ModelSource.fromS3(Algorithm.linearLearner(), data.bucket, 'models/churn/model.tar.gz'),
    endpointName: 'churn',
    monitoring: {
      dataQuality: { baseline: MonitoringBaseline.fromDataset(data.bucket, 'churn/baseline/'), driftAlarmFeatures: ['age'] },
      modelQuality: { problemType: ProblemType.BINARY_CLASSIFICATION, groundTruth: { bucket: data.bucket, prefix: 'labels/' }, alarms: { minAccuracy: 0.9 } },
      bias: {
        label: 'churned', facets: [{ name: 'age', valuesOrThreshold: [40] }], groundTruth: { bucket: data.bucket, prefix: 'labels/' }, headers: ['age', 'spend', 'churned'],
        maxBiasMetrics: { DPPL: 0.1 }, baseline: BiasBaseline.fromS3('s3://baselines/bias/analysis.json'),
      },
      explainability: {
        shapBaseline: ShapBaseline.fromValues([40, 120]), headers: ['age', 'spend'], maxFeatureAttributions: { age: 0.3 },
        baseline: ExplainabilityBaseline.fromDataset(data.bucket, 'churn/validation/'),
      },
    },
  });
  // WHEN
  const template = Template.fromStack(stack);
  const widgets = widgetsOf(template);
  const alarmId = (alarm: { node: { defaultChild?: unknown } }) => stack.resolve((alarm.node.defaultChild as any).attrArn)['Fn::GetAtt'][0];
  const rowOf = (title: string) => {
    const header = widgets.findIndex((w) => w.type === 'text' && w.properties.markdown.startsWith(`### ${title}\n`));
    expect(header).toBeGreaterThanOrEqual(0);
    const rest = widgets.slice(header + 1);
    const end = rest.findIndex((w) => w.type === 'text');
    return { text: widgets[header].properties.markdown as string, widgets: end < 0 ? rest : rest.slice(0, end) };
  };

  test.each([
    ['Data quality', 'churn-data-quality', 'computed at deploy from a dataset', 'aws/sagemaker/Endpoints/data-metrics', 'feature_baseline_drift_age'],
    ['Model quality', 'churn-model-quality', 'none', 'aws/sagemaker/Endpoints/model-metrics', 'accuracy'],
    ['Bias', 'churn-model-bias', 'constraints from S3', 'aws/sagemaker/Endpoints/bias-metrics', 'bias_metric_DPPL'],
    ['Feature attribution', 'churn-model-explainability', 'computed at deploy from a dataset', 'aws/sagemaker/Endpoints/explainability-metrics', 'feature_age'],
  ])('%s: its schedule and baseline, the latest values of its metrics, its alarms', (title, schedule, baseline, namespace, metricName) => {
    // THEN the row names the schedule and the baseline
    const row = rowOf(title);
    expect(row.text).toContain(`Schedule \`${schedule}\`, \`cron(0 * ? * * *)\`; baseline: ${baseline}`);
    // AND shows the last published values of the monitor's metrics, for its schedule
    const latest = row.widgets.find((w) => w.properties.view === 'singleValue');
    expect(latest.properties.title).toBe(`${title}: latest values`);
    const metrics = JSON.stringify(latest.properties.metrics);
    expect(metrics).toContain(`"${namespace}","${metricName}"`);
    expect(metrics).toContain(`"MonitoringSchedule","${schedule}"`);
    // AND the state of its alarms: its violations
    const violations = row.widgets.find((w) => w.type === 'alarm');
    expect(violations.properties.title).toBe(`${title}: violations`);
    expect(violations.properties.alarms.length).toBeGreaterThan(0);
  });

  test('each violations widget holds exactly that monitor\'s alarms', () => {
    const idsIn = (title: string) => rowOf(title).widgets.find((w) => w.type === 'alarm').properties.alarms.map((a: string) => a.replace(/^\{|\.Arn\}$/g, ''));
    expect(idsIn('Data quality')).toEqual(endpoint.driftAlarms.map(alarmId));
    expect(idsIn('Model quality')).toEqual(endpoint.modelQualityAlarms.map(alarmId));
    expect(idsIn('Bias')).toEqual(endpoint.biasAlarms.map(alarmId));
    expect(idsIn('Feature attribution')).toEqual(endpoint.explainabilityAlarms.map(alarmId));
  });

  test('an endpoint without monitors has no monitor rows', () => {
    const plain = newStack();
    const bucket = new SecureBucket(plain, 'Data');
    new MonitoredEndpoint(plain, 'Endpoint', { model: ModelSource.fromS3(Algorithm.linearLearner(), bucket.bucket, 'm/model.tar.gz') });
    expect(widgetsOf(Template.fromStack(plain)).filter((w) => w.type === 'text')).toEqual([]);
  });
});
