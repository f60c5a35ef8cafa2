import { Algorithm } from '../../lib/core/algorithm';
import { checkChannelContentType, checkHyperparameterValues, checkInferenceContentType, checkObjectiveMetric } from '../../lib/core/private/algorithm-checks';
import { ValidationProblems } from '../../lib/core/private/validation';

/** The problems one check records, as the messages a synth error would list. */
function problemsOf(check: (problems: ValidationProblems) => void): string {
  const problems = new ValidationProblems('Test');
  check(problems);
  try {
    problems.throwIfAny();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('synth-time checks against the algorithm specification the images read', () => {
  test('a wrong hyperparameter value is named with the value and what is allowed', () => {
    // GIVEN / WHEN
    const message = problemsOf((p) => checkHyperparameterValues(p, Algorithm.kmeans(), 'hyperparameters', { k: 'ten', init_method: 'bogus', feature_dim: '4' }));
    // THEN
    expect(message).toContain('hyperparameters.k: got "ten"; allowed: a whole number at least 1');
    expect(message).toContain('hyperparameters.init_method: got "bogus"; allowed: one of random, kmeans++');
    expect(message).not.toContain('feature_dim');
  });

  test('a value the companion image does not implement is a synth error for it, not for the built-in image', () => {
    const companion = problemsOf((p) => checkHyperparameterValues(p, Algorithm.linearLearner(), 'hyperparameters', { momentum: '0.9', predictor_type: 'regressor' }));
    expect(companion).toContain('hyperparameters.momentum: got "0.9"; allowed: auto or 0 (momentum is not implemented by the companion image');
    expect(problemsOf((p) => checkHyperparameterValues(p, Algorithm.builtIn('linear-learner'), 'hyperparameters', { momentum: '0.9' }))).toBe('');
  });

  test('an unsupported channel content type is refused with the accepted ones', () => {
    const message = problemsOf((p) => checkChannelContentType(p, Algorithm.kmeans(), 'inputs.train.contentType', 'train', 'application/x-parquet'));
    expect(message).toContain('inputs.train.contentType: got "application/x-parquet"; allowed: a content type the kmeans algorithm reads on channel train: text/csv, application/x-recordio-protobuf');
    expect(problemsOf((p) => checkChannelContentType(p, Algorithm.kmeans(), 'x', 'train', 'text/csv; label_size=0'))).toBe('');
    expect(problemsOf((p) => checkInferenceContentType(p, Algorithm.kmeans(), 'contentType', 'image/png'))).toContain('a content type the kmeans algorithm serves');
  });

  test('an objective the predictor type does not emit is refused (a binary classifier tuned on validation:rmse)', () => {
    const message = problemsOf((p) => checkObjectiveMetric(p, Algorithm.linearLearner(), 'objective', 'validation:rmse', { predictor_type: 'binary_classifier' }, ['train', 'validation']));
    expect(message).toContain('objective: got "validation:rmse"; allowed: a metric the linear-learner algorithm emits on channel validation for predictor_type binary_classifier: validation:objective_loss, validation:binary_classification_accuracy');
    expect(problemsOf((p) => checkObjectiveMetric(p, Algorithm.linearLearner(), 'objective', 'validation:rmse', { predictor_type: 'regressor' }, ['train', 'validation']))).toBe('');
  });

  test('an objective on a channel the job does not have is refused', () => {
    const message = problemsOf((p) => checkObjectiveMetric(p, Algorithm.kmeans(), 'objective', 'test:msd', { k: '3' }, ['train']));
    expect(message).toContain('objective: got "test:msd"; allowed: an objective on a channel the job has (train): add a test channel or tune on another');
  });

  test('algorithms without a specification (custom images) are not checked here', () => {
    const custom = Algorithm.fromAsset(__dirname, { hyperparameters: ['k'] });
    expect(problemsOf((p) => checkHyperparameterValues(p, custom, 'hyperparameters', { k: 'ten' }))).toBe('');
  });
});
