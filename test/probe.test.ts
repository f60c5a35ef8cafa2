import { SageMakerNetwork } from '../lib/core/network';
import { newStack, unacknowledgedFindings } from './helpers/nag';
test('probe', () => {
  const stack = newStack();
  new SageMakerNetwork(stack, 'Network');
  console.log(unacknowledgedFindings(stack).map((f) => `${f.rule} @ ${f.path}`).join('\n'));
});
