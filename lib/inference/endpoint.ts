import { Duration, IResource, Resource } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Options of an endpoint's metrics: the CloudWatch options, and the variant measured.
 */
export interface EndpointMetricOptions extends cloudwatch.MetricOptions {
  /**
   * The production variant measured.
   *
   * @default - the endpoint's first variant (`AllTraffic` for an imported endpoint)
   */
  readonly variantName?: string;
}

/**
 * A SageMaker real-time endpoint, made in this app (`MonitoredEndpoint`) or imported
 * (`MonitoredEndpoint.fromEndpointName`).
 */
export interface IEndpoint extends IResource {
  /**
   * The endpoint's name.
   *
   * @attribute
   */
  readonly endpointName: string;

  /**
   * The endpoint's ARN.
   *
   * @attribute
   */
  readonly endpointArn: string;

  /** Lets the grantee invoke the endpoint (real-time, streaming and asynchronous). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;

  /** A metric of a variant in `AWS/SageMaker` (invocation metrics). @default - average over 1 minute */
  metric(metricName: string, props?: EndpointMetricOptions): cloudwatch.Metric;

  /** Invocations. @default - sum over 1 minute */
  metricInvocations(props?: EndpointMetricOptions): cloudwatch.Metric;

  /** Model latency in microseconds. @default - p99 over 1 minute */
  metricModelLatency(props?: EndpointMetricOptions): cloudwatch.Metric;

  /** 5XX errors. @default - sum over 1 minute */
  metric5xxErrors(props?: EndpointMetricOptions): cloudwatch.Metric;

  /** 4XX errors. @default - sum over 1 minute */
  metric4xxErrors(props?: EndpointMetricOptions): cloudwatch.Metric;

  /** A metric of a variant's instances in `/aws/sagemaker/Endpoints`. @default - average over 1 minute */
  metricInstances(metricName: string, props?: EndpointMetricOptions): cloudwatch.Metric;

  /** CPU utilization (percent per core). @default - average over 1 minute */
  metricCpuUtilization(props?: EndpointMetricOptions): cloudwatch.Metric;

  /** GPU utilization (percent per GPU). @default - average over 1 minute */
  metricGpuUtilization(props?: EndpointMetricOptions): cloudwatch.Metric;

  /** Memory utilization (percent). @default - average over 1 minute */
  metricMemoryUtilization(props?: EndpointMetricOptions): cloudwatch.Metric;

  /** Disk utilization (percent). @default - average over 1 minute */
  metricDiskUtilization(props?: EndpointMetricOptions): cloudwatch.Metric;
}

/**
 * An endpoint that exists outside this app.
 */
export interface EndpointAttributes {
  /** The endpoint's name. */
  readonly endpointName: string;

  /**
   * The variant metrics measure unless told otherwise.
   *
   * @default 'AllTraffic'
   */
  readonly defaultVariantName?: string;
}

/**
 * What every endpoint offers, made here or imported: invoke grants and variant metrics.
 */
export abstract class EndpointBase extends Resource implements IEndpoint {
  public abstract readonly endpointName: string;
  public abstract readonly endpointArn: string;

  /** The variant metrics measure unless told otherwise. */
  protected abstract readonly defaultVariantName: string;

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream', 'sagemaker:InvokeEndpointAsync'],
      resourceArns: [this.endpointArn],
    });
  }

  public metric(metricName: string, props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', metricName, props);
  }

  public metricInvocations(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', { statistic: 'Sum', ...props });
  }

  public metricModelLatency(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: 'p99', ...props });
  }

  public metric5xxErrors(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { statistic: 'Sum', ...props });
  }

  public metric4xxErrors(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metric('Invocation4XXErrors', { statistic: 'Sum', ...props });
  }

  public metricInstances(metricName: string, props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', metricName, props);
  }

  public metricCpuUtilization(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metricInstances('CPUUtilization', props);
  }

  public metricGpuUtilization(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metricInstances('GPUUtilization', props);
  }

  public metricMemoryUtilization(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metricInstances('MemoryUtilization', props);
  }

  public metricDiskUtilization(props?: EndpointMetricOptions): cloudwatch.Metric {
    return this.metricInstances('DiskUtilization', props);
  }

  private variantMetric(namespace: string, metricName: string, props: EndpointMetricOptions = {}): cloudwatch.Metric {
    const { variantName, ...options } = props;
    return new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: variantName ?? this.defaultVariantName },
      statistic: 'Average',
      period: Duration.minutes(1),
      ...options,
    });
  }
}
