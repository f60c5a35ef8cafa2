#!/usr/bin/env node
/**
 * `sagemaker-review <cloud assembly dir> [output dir]`: writes architecture-review.md and
 * architecture.svg for any synthesized CDK app.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArchitectureReview } from './architecture-review';

async function main(args: string[]): Promise<void> {
  const [assembly = 'cdk.out', output = '.'] = args;
  const review = ArchitectureReview.fromCloudAssembly(assembly);
  fs.mkdirSync(output, { recursive: true });
  fs.writeFileSync(path.join(output, 'architecture-review.md'), review.markdown);
  fs.writeFileSync(path.join(output, 'architecture.svg'), await review.renderSvg());
  console.log(`wrote ${path.join(output, 'architecture-review.md')} and architecture.svg (${review.flagCount} findings flagged)`);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`sagemaker-review: ${(error as Error).message}`);
  process.exit(1);
});
