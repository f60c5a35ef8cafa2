/**
 * The quality benchmark: the companion K-Means and Linear Learner against scikit-learn on
 * scikit-learn's bundled real data sets, fold by fold (bench/quality/run.sh makes the folds and
 * scikit-learn's numbers with sklearn_reference.py). Each fold trains the real container code on a
 * temporary /opt/ml with only the hyperparameters SageMaker's examples set (K-Means: k and
 * feature_dim; Linear Learner: predictor_type, feature_dim, num_classes), then scores it as
 * scikit-learn was scored. Prints a Markdown table and exits non-zero when a fold misses the bar:
 * K-Means inertia within 3 % of KMeans(n_init=10), accuracy within 1.5 points of logistic
 * regression, RMSE within 5 % of ridge regression.
 */
import * as fs from 'node:fs';
import { scoreFold, QualitySet } from './score';

async function main(): Promise<void> {
  const reference = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const rows: string[] = [];
  let failures = 0;
  console.log(`scikit-learn ${reference.sklearn}, NumPy ${reference.numpy}, BLAS ${JSON.stringify(reference.blas)}\n`);
  console.log('| set | fold | measure | ours | scikit-learn | ratio / difference | within bar |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const set of reference.sets as QualitySet[]) {
    for (let f = 0; f < set.folds.length; f++) {
      for (const result of await scoreFold(set, set.folds[f])) {
        if (!result.ok) failures++;
        const line = `| ${set.name} | ${f + 1} | ${result.measure} | ${result.ours.toFixed(4)} | ${result.theirs.toFixed(4)} | ${result.comparison} | ${result.ok ? 'yes' : 'NO'} |`;
        rows.push(line);
        console.log(line);
      }
    }
  }
  console.log(`\n${failures} of ${rows.length} comparisons outside the bar`);
  process.exitCode = failures > 0 ? 1 : 0;
}

void main();
