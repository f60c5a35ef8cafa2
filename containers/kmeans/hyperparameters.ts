/**
 * The built-in K-Means's hyperparameter names, types and ranges, from the algorithm's one
 * specification (spec.ts), which `Algorithm.kmeans()` reads too.
 */
import { KMEANS_SPEC } from './spec';

export const KMEANS_HYPERPARAMETERS = KMEANS_SPEC.hyperparameters;
