import { Construct } from 'constructs';
import { Algorithm, AlgorithmBindOptions, AlgorithmImageConfig } from '../../core/algorithm';
import { SageMakerValidationError } from '../../core/errors';
import { SageMakerExecutionRole } from '../../core/roles';

/**
 * The algorithm of a compiled artifact no image this library knows serves (an edge device's, or
 * a framework without a Neo inference image here): anything that tries to serve it is told why.
 */
export class UnservableAlgorithm extends Algorithm {
  constructor(private readonly path: string, private readonly reason: string) {
    super('neo-compiled', { canServe: false }, false);
  }

  public bind(scope: Construct, _role: SageMakerExecutionRole, _options?: AlgorithmBindOptions): AlgorithmImageConfig {
    throw new SageMakerValidationError(`CompiledModel at '${this.path}' used by '${scope.node.path}'`, [
      `servingAlgorithm: got none; allowed: ${this.reason}`,
    ]);
  }
}
