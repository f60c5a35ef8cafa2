import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadKMeansPredictor } from '../../containers/kmeans/serve';
import { loadLinearLearnerPredictor } from '../../containers/linear-learner/serve';
import { loadKernels } from '../../containers/native';
import { runEntrypoint } from '../../containers/runtime/entrypoint';
import { OptMl } from '../../containers/runtime/layout';
import { ModelFileError } from '../../containers/runtime/model-file';

function withModel(model: object): OptMl {
  const layout = new OptMl(fs.mkdtempSync(path.join(os.tmpdir(), 'opt-ml-model-')));
  fs.mkdirSync(layout.modelDir, { recursive: true });
  fs.writeFileSync(path.join(layout.modelDir, 'model.json'), JSON.stringify(model));
  return layout;
}

const KMEANS_MODEL = { algorithm: 'kmeans', format_version: 1, feature_dim: 2, k: 1, centers: [[0, 0]] };
const cpu = () => loadKernels({ backend: 'cpu', log: () => undefined });

describe('the model file records its algorithm and format version', () => {
  test('a K-Means model given to the Linear Learner image is refused at load, naming both', () => {
    expect(() => loadLinearLearnerPredictor(withModel(KMEANS_MODEL))).toThrow(ModelFileError);
    expect(() => loadLinearLearnerPredictor(withModel(KMEANS_MODEL))).toThrow(/is a "kmeans" model, and this is the linear-learner image: serve it with the image that trained it/);
  });

  test('a newer format than the image reads is refused; a model without a version is version 1', () => {
    expect(() => loadKMeansPredictor(withModel({ ...KMEANS_MODEL, format_version: 2 }), cpu())).toThrow(/has model format version 2; this kmeans image reads up to 1/);
    const { format_version: _, ...legacy } = KMEANS_MODEL;
    expect(() => loadKMeansPredictor(withModel(legacy), cpu())).not.toThrow();
  });

  test('serve with a foreign model exits non-zero with the reason and never listens (so /ping is never 200)', async () => {
    // GIVEN the Linear Learner program pointed at a K-Means model
    const layout = withModel(KMEANS_MODEL);
    const errors: string[] = [];
    jest.spyOn(console, 'error').mockImplementation((line: string) => { errors.push(String(line)); });
    const listen = jest.fn();
    process.env.OPT_ML = layout.root;
    try {
      // WHEN serve starts
      await runEntrypoint({ name: 'Linear Learner', train: async () => undefined, loadPredictor: (l) => { const p = loadLinearLearnerPredictor(l); listen(); return p; } }, 'serve');
      // THEN
      expect(process.exitCode).toBe(1);
      expect(errors.join('\n')).toMatch(/^Linear Learner cannot serve this model: .* is a "kmeans" model/);
      expect(listen).not.toHaveBeenCalled();
    } finally {
      delete process.env.OPT_ML;
      process.exitCode = 0;
      jest.restoreAllMocks();
    }
  });
});
