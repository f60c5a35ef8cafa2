import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** A metric of a training job's first host in `/aws/sagemaker/TrainingJobs`. @default - average over 1 minute */
export function trainingJobMetric(trainingJobName: string, metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: '/aws/sagemaker/TrainingJobs',
    metricName,
    dimensionsMap: { Host: `${trainingJobName}/algo-1` },
    statistic: 'Average',
    period: Duration.minutes(1),
    ...props,
  });
}
