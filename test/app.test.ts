import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildPlatform } from '../bin/platform';
import { acknowledgmentsUnder } from './helpers/acknowledgments';
import { unacknowledgedFindings } from './helpers/nag';
import { newApp } from './helpers/app';

describe('the reference app', () => {
  const app = newApp();
  const stacks = buildPlatform(app);

  test.each(stacks.map((stack) => [stack.stackName, stack]))('%s has no unacknowledged findings in the five packs or the Control Tower controls', (_name, stack) => {
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  test('every acknowledgment has a reason a reviewer can read, and the README lists each rule acknowledged', () => {
    // Synthesis names some acknowledgments (those of cross-stack references) in its validation phase.
    stacks.forEach((stack) => Template.fromStack(stack));
    // Only the rule packs' ids: aws-cdk-lib records acknowledgments of its own template checks too.
    const acknowledgments = acknowledgmentsUnder(app).filter((a) => /^(AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321|SageMakerChecks)-/.test(a.id));
    expect(acknowledgments.length).toBeGreaterThan(0);
    for (const acknowledgment of acknowledgments) {
      expect(acknowledgment.reason.length).toBeGreaterThan(40);
    }
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Acknowledged findings'));
    const missing = [...new Set(acknowledgments.map((a) => a.id))].filter((id) => !section.includes(`\`${id.replace(/\[.*\]$/, '[')}`));
    expect(missing).toEqual([]);
    const documentedCount = Number(/The reference app has \*\*(\d+)\*\*/.exec(readme)?.[1]);
    expect(acknowledgments).toHaveLength(documentedCount);
  });

  test('every Control Tower suppression has a reason, and the README lists each with the count', () => {
    stacks.forEach((stack) => Template.fromStack(stack));
    const suppressions = acknowledgmentsUnder(app).filter((a) => a.id.startsWith('cdk-validator-cfnguard::'));
    expect(suppressions.length).toBeGreaterThan(0);
    for (const suppression of suppressions) {
      expect(suppression.reason.length).toBeGreaterThan(40);
    }
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Control Tower suppressions'));
    const missing = [...new Set(suppressions.map((a) => a.id))].filter((id) => !section.includes(`\`${id.replace('cdk-validator-cfnguard::', '')}\``));
    expect(missing).toEqual([]);
    const documentedCount = Number(/The reference app suppresses\s+\*\*(\d+)\*\*/.exec(section)?.[1]);
    expect(suppressions).toHaveLength(documentedCount);
  });
});
