/** The Linear Learner image's entrypoint. */
import { loadLinearLearnerPredictor } from './serve';
import { trainLinearLearner } from './train';
import { runEntrypoint } from '../runtime/entrypoint';

void runEntrypoint({ name: 'Linear Learner', train: trainLinearLearner, loadPredictor: (layout) => loadLinearLearnerPredictor(layout) }, process.argv[2]);
