/** The K-Means image's entrypoint. */
import { loadKMeansPredictor } from './serve';
import { trainKMeans } from './train';
import { runEntrypoint } from '../runtime/entrypoint';

void runEntrypoint({ name: 'K-Means', train: trainKMeans, loadPredictor: (layout) => loadKMeansPredictor(layout) }, process.argv[2]);
