import { IPolicyValidationPlugin, Stack, Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Construct metadata on each stack: the names of the validation plugins (rule packs) that synth
 * runs over it, as `string[]`.
 *
 * CDK's validation report leaves out every plugin that passed, so an app clean under five packs and
 * an app with no pack at all give byte-identical cloud assemblies; the architecture review reads
 * this entry to tell them apart. It is stack metadata, rather than a file of its own, because the
 * manifest (or the stack's metadata file) is already part of every cloud assembly, travels with
 * it, is per stack (stages nested in stages each get their own plugins) and needs no write outside
 * synthesis; and it is written in the construct-validation phase, which runs after every plugin
 * is registered and before the templates and manifest are written.
 */
export const VALIDATED_BY_METADATA_KEY = 'sagemaker-secure-constructs:validated-by';

const recorded = new WeakSet<IConstruct>();

/**
 * Records, on every stack under the scope's root, which validation plugins its stage and the
 * stages above it have registered. Idempotent per app.
 */
export function recordValidationPlugins(scope: IConstruct): void {
  const root = scope.node.root;
  if (recorded.has(root)) return;
  recorded.add(root);
  root.node.addValidation({
    validate: () => {
      for (const stack of root.node.findAll().filter(Stack.isStack)) {
        const names = new Set<string>();
        for (let stage = Stage.of(stack); stage; stage = Stage.of(stage)) {
          for (const plugin of registeredPlugins(stage)) names.add(plugin.name);
        }
        stack.node.addMetadata(VALIDATED_BY_METADATA_KEY, [...names].sort());
      }
      return [];
    },
  });
}

/**
 * The plugins `Validations.of(stage).addPlugins()` registered. CDK offers no public getter that does
 * not print a deprecation warning (`policyValidationBeta1`), so this reads the field its own
 * synthesis reads; the review's tests fail if that ever changes.
 */
function registeredPlugins(stage: Stage): IPolicyValidationPlugin[] {
  return (stage as unknown as { _validationPlugins?: IPolicyValidationPlugin[] })._validationPlugins ?? [];
}
