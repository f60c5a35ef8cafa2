/**
 * Runs a training entrypoint the way SageMaker expects: any error ends the process with a
 * non-zero exit and its reason in `output/failure` (at most 1024 characters, written after all
 * logging), so the job's FailureReason says what went wrong.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OptMl } from './layout';

export async function runTraining(main: (layout: OptMl) => Promise<void>, layout: OptMl = new OptMl()): Promise<number> {
  try {
    await main(layout);
    return 0;
  } catch (error) {
    const reason = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
    console.error(`training failed: ${reason}`);
    fs.mkdirSync(path.dirname(layout.failureFile), { recursive: true });
    fs.writeFileSync(layout.failureFile, reason.slice(0, 1024));
    return 1;
  }
}

/** `#quality_metric: host=algo-1, test msd <loss>=0.52`: the built-in algorithms' metric line. */
export function qualityMetric(channel: string, name: string, value: number, kind: 'loss' | 'score' = 'loss'): string {
  const line = `#quality_metric: host=${process.env.SM_CURRENT_HOST ?? 'algo-1'}, ${channel} ${name} <${kind}>=${value}`;
  console.log(line);
  return line;
}

/** `#throughput_metric: host=algo-1, train throughput=43672.9 records/second`, as the built-ins print. */
export function throughputMetric(channel: string, records: number, seconds: number): string {
  const line = `#throughput_metric: host=${process.env.SM_CURRENT_HOST ?? 'algo-1'}, ${channel} throughput=${(records / Math.max(seconds, 1e-9)).toFixed(1)} records/second`;
  console.log(line);
  return line;
}
