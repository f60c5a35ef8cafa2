import { readCloudAssembly, CloudAssemblyContents } from './private/cloud-assembly';
import { diagram } from './private/diagram';
import { collectFlags, compliance, dataStores, FLAG, flagIndex, identity, network, sagemakerPosture } from './private/sections';

/**
 * A security review of a synthesized CDK app (a cloud assembly): data stores and their
 * encryption, identities and what they may do, the network and its flows, the SageMaker posture
 * of every model, endpoint, job and feature group, and the rule packs' results with every
 * acknowledgment; plus a diagram. Anything a reviewer should look at is flagged with ⚠.
 *
 * The report is stable (sorted, no timestamps, hashes normalized), so a snapshot of it changes
 * only when the architecture does. It works on any app, with or without this library's constructs.
 */
export class ArchitectureReview {
  /** Reviews the cloud assembly in a directory, e.g. `cdk.out`. */
  public static fromCloudAssembly(directory: string): ArchitectureReview {
    return new ArchitectureReview(readCloudAssembly(directory));
  }

  /** The report, as Markdown. */
  public readonly markdown: string;

  /** The diagram, as Graphviz DOT. */
  public readonly dot: string;

  /** How many findings are flagged. */
  public readonly flagCount: number;

  private constructor(contents: CloudAssemblyContents) {
    const body = [
      ...dataStores(contents),
      ...identity(contents),
      ...network(contents),
      ...sagemakerPosture(contents),
      ...compliance(contents),
    ];
    this.flagCount = body.join('\n').split(FLAG).length - 1;
    const flags = collectFlags(contents, body);
    const stacks = contents.stacks.map((s) => s.name).join(', ');
    this.markdown = [
      '# Architecture review',
      '',
      `Stacks: ${stacks || 'none'}. Findings flagged ${FLAG}: ${this.flagCount}.`,
      '',
      ...flagIndex(flags),
      ...body,
    ].join('\n').replace(/\n{3,}/g, '\n\n');
    this.dot = diagram(contents, flags);
  }

  /** Renders the diagram to SVG with Graphviz compiled to WebAssembly (no system tools). */
  public async renderSvg(): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const viz = await (require('@viz-js/viz') as typeof import('@viz-js/viz')).instance();
    return viz.renderString(this.dot, { format: 'svg', engine: 'dot' });
  }
}
