/**
 * How synthesis time grows with the app: N monitored endpoints (each with data capture,
 * autoscaling, alarms, a dashboard and a Model Monitor schedule) in one stack, synthesized under
 * all five rule packs; and the reference app. Reports construction, synthesis and the rule packs
 * separately, median of runs, and appends a table to bench/RESULTS.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { buildPlatform } from '../bin/platform';
import { MonitoredEndpoint, MonitoringBaseline, SageMakerChecks, SageMakerNetwork, SecureBucket, ServableModel } from '../lib';

function packs(): NagPack[] {
  return [new AwsSolutionsChecks(), new HIPAASecurityChecks(), new NIST80053R5Checks(), new PCIDSS321Checks(), new SageMakerChecks()];
}

function measure(build: (app: App) => Stack[]): { construct: number; synth: number; nag: number } {
  const began = performance.now();
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'synth-scale-')) });
  const stacks = build(app);
  const constructed = performance.now();
  app.synth();
  const synthesized = performance.now();
  for (const pack of packs()) for (const stack of stacks) pack.validateScope(stack);
  return { construct: constructed - began, synth: synthesized - constructed, nag: performance.now() - synthesized };
}

/** N endpoints, eight to a stack (CloudFormation allows 500 resources a stack), sharing one network stack. */
function endpoints(n: number) {
  return (app: App) => {
    const shared = new Stack(app, 'Shared');
    const network = new SageMakerNetwork(shared, 'Network', { s3PrefixListId: 'pl-63a5400a' });
    const data = new SecureBucket(shared, 'Data', { encryptionKey: network.encryptionKey });
    const stacks = [shared];
    for (let i = 0; i < n; i++) {
      if (i % 8 === 0) stacks.push(new Stack(app, `Endpoints${i / 8}`));
      new MonitoredEndpoint(stacks[stacks.length - 1], `Endpoint${i}`, {
        model: ServableModel.fromModelName(`model-${i}`),
        network,
        autoScaling: { maxCapacity: 4 },
        monitoring: { baseline: MonitoringBaseline.fromS3(`s3://baseline/${i}/statistics.json`, `s3://baseline/${i}/constraints.json`) },
        dataCapture: { bucket: data.bucket },
      });
    }
    return stacks;
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function run(name: string, build: (app: App) => Stack[], repeats: number) {
  measure(build); // warm-up
  const runs = Array.from({ length: repeats }, () => measure(build));
  const pick = (key: 'construct' | 'synth' | 'nag') => median(runs.map((r) => r[key]));
  const total = median(runs.map((r) => r.construct + r.synth + r.nag));
  return { name, construct: pick('construct'), synth: pick('synth'), nag: pick('nag'), total };
}

const repeats = Number(process.argv[2] ?? 3);
const rows = [1, 8, 32].map((n) => run(`${n} endpoint${n === 1 ? '' : 's'}`, endpoints(n), repeats));
rows.push(run('reference app (5 stacks)', (app) => buildPlatform(app), repeats));
const one = rows[0].total, thirtyTwo = rows[2].total;
const s = (ms: number) => (ms / 1000).toFixed(2);
const lines = [
  `\n### Synthesis under all five rule packs (${new Date().toISOString().slice(0, 10)})\n`,
  `Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores. Median of ${repeats} runs after a warm-up, in seconds.\n`,
  '| app | construct | synth | rule packs | total |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.name} | ${s(r.construct)} | ${s(r.synth)} | ${s(r.nag)} | ${s(r.total)} |`),
  `\n32 endpoints take ${(thirtyTwo / one).toFixed(1)}× the time of 1 (target ≤ 40×); the reference app ${s(rows[3].total)} s (target < 60 s).`,
];
console.log(lines.join('\n'));
fs.appendFileSync(path.join(__dirname, 'RESULTS.md'), lines.join('\n') + '\n');
