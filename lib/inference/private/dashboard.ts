import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { ResolvedVariant } from './variants';
import { IEndpoint } from '../endpoint';

/** Drift metrics to graph, one per feature. */
export interface DriftGraph {
  readonly features: string[];
  readonly metricFor: (feature: string) => cloudwatch.IMetric;
}

/** One monitoring schedule as the dashboard shows it: what it checks, its latest values, its violations. */
export interface MonitorPanel {
  /** What it monitors, e.g. `Model quality`. */
  readonly title: string;
  readonly scheduleName: string;
  /** When it runs (a SageMaker cron expression). */
  readonly scheduleExpression: string;
  /** What it compares with, in words. */
  readonly baseline: string;
  /** The values its last run published. */
  readonly latest: cloudwatch.IMetric[];
  /** The alarms on them: a violation is an alarm in ALARM. */
  readonly violations: cloudwatch.IAlarm[];
}

/**
 * Invocations, latency, errors and utilization per variant, the alarms, drift and model quality
 * when monitored, the queue when asynchronous, and a row per monitoring schedule: what it checks,
 * the latest values its runs published (with their trend) and its violations (its alarms' states).
 */
export function createEndpointDashboard(scope: Construct, endpoint: IEndpoint, variants: ResolvedVariant[],
  alarms: cloudwatch.IAlarm[], drift?: DriftGraph, modelQuality?: cloudwatch.IMetric[], asyncQueue?: cloudwatch.IMetric[], monitors: MonitorPanel[] = []): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: endpoint.endpointName.slice(0, 255),
  });
  const label = (variantName: string, metricName: string, statistic: string) => ({ variantName, statistic, label: `${variantName} ${metricName} ${statistic}` });
  const invocation = (metricName: string, statistic: string) =>
    variants.map((v) => endpoint.metric(metricName, label(v.options.name, metricName, statistic)));
  const instance = (metricName: string, statistic: string) =>
    variants.map((v) => endpoint.metricInstances(metricName, label(v.options.name, metricName, statistic)));
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({ title: 'Invocations', left: invocation('Invocations', 'Sum'), right: invocation('InvocationsPerInstance', 'Sum') }),
    new cloudwatch.GraphWidget({ title: 'Model latency (µs)', left: ['p50', 'p90', 'p99'].flatMap((p) => invocation('ModelLatency', p)) }),
    new cloudwatch.GraphWidget({ title: 'Errors', left: [...invocation('Invocation4XXErrors', 'Sum'), ...invocation('Invocation5XXErrors', 'Sum')] }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Utilization (%)',
      left: ['CPUUtilization', 'MemoryUtilization', 'DiskUtilization', 'GPUUtilization'].flatMap((metric) => instance(metric, 'Average')),
    }),
    new cloudwatch.GraphWidget({ title: 'Instances (sample count of CPU reports)', left: instance('CPUUtilization', 'SampleCount') }),
    new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms }),
  );
  if (drift && drift.features.length > 0) {
    dashboard.addWidgets(new cloudwatch.GraphWidget({
      title: 'Drift from the baseline',
      left: drift.features.map((feature) => drift.metricFor(feature)),
      width: 24,
    }));
  }
  if (modelQuality && modelQuality.length > 0) {
    dashboard.addWidgets(new cloudwatch.GraphWidget({ title: 'Model quality (captures merged with ground truth)', left: modelQuality, width: 24 }));
  }
  if (asyncQueue && asyncQueue.length > 0) {
    dashboard.addWidgets(new cloudwatch.GraphWidget({ title: 'Asynchronous requests: queue, oldest request, failures', left: asyncQueue, width: 24 }));
  }
  for (const monitor of monitors) {
    const row: cloudwatch.IWidget[] = [new cloudwatch.TextWidget({
      markdown: [
        `### ${monitor.title}`,
        `Schedule \`${monitor.scheduleName}\`, \`${monitor.scheduleExpression}\`; baseline: ${monitor.baseline}.`,
        'Latest values: what the last successful run published (none yet, or a failed run, shows no value). '
          + `Violations: ${monitor.violations.length ? 'its alarms (ALARM is a violation; INSUFFICIENT_DATA, no run has published).' : 'no alarms configured.'}`,
      ].join('\n\n'),
      width: 6,
      height: 6,
    })];
    if (monitor.latest.length > 0) {
      row.push(new cloudwatch.SingleValueWidget({ title: `${monitor.title}: latest values`, metrics: monitor.latest, sparkline: true, width: monitor.violations.length ? 10 : 18, height: 6 }));
    }
    if (monitor.violations.length > 0) {
      row.push(new cloudwatch.AlarmStatusWidget({ title: `${monitor.title}: violations`, alarms: monitor.violations, width: monitor.latest.length ? 8 : 18, height: 6 }));
    }
    dashboard.addWidgets(...row);
  }
  return dashboard;
}
