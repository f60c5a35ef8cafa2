/**
 * The built-in Linear Learner's hyperparameter names, types and ranges, from the algorithm's one
 * specification (spec.ts), which `Algorithm.linearLearner()` reads too.
 */
import { LINEAR_LEARNER_SPEC } from './spec';

export const LINEAR_LEARNER_HYPERPARAMETERS = LINEAR_LEARNER_SPEC.hyperparameters;
