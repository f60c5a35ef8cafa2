/** The pre-processing image's entrypoint: its CSV output is what the next container of a pipeline reads. */
import { loadScalerPredictor } from './serve';
import { trainScaler } from './train';
import { runEntrypoint } from '../runtime/entrypoint';

void runEntrypoint({ name: 'scaler', train: trainScaler, loadPredictor: (layout) => loadScalerPredictor(layout), defaultAccept: 'text/csv' }, process.argv[2]);
