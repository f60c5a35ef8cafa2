import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct, IDependable } from 'constructs';
import { boundedName } from './names';

/** One monitor's schedule of its job definition. */
export interface MonitoringScheduleProps {
  readonly endpointName: string;
  /** The monitor's kind, e.g. `ModelQuality`: the schedule's monitoring type. */
  readonly monitoringType: string;
  /** Appended to the endpoint's name, e.g. `-model-quality`. */
  readonly nameSuffix: string;
  readonly definitionName: string;
  /** The job definition: the schedule is made after it. */
  readonly definition: IDependable;
  /** @default 'cron(0 * ? * * *)' (hourly) */
  readonly scheduleExpression?: string;
}

/**
 * The schedule every monitor (data quality, model quality, bias, explainability) runs its job
 * definition on: named after the endpoint within SageMaker's 63 characters, hourly by default.
 * Returns the schedule's name.
 */
export function monitoringSchedule(scope: Construct, props: MonitoringScheduleProps): string {
  const schedule = new sagemaker.CfnMonitoringSchedule(scope, 'Schedule', {
    monitoringScheduleName: boundedName(scope, props.endpointName, props.nameSuffix, 63),
    monitoringScheduleConfig: {
      monitoringJobDefinitionName: props.definitionName,
      monitoringType: props.monitoringType,
      scheduleConfig: { scheduleExpression: props.scheduleExpression ?? 'cron(0 * ? * * *)' },
    },
  });
  schedule.node.addDependency(props.definition);
  return schedule.monitoringScheduleName!;
}
