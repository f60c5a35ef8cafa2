export * from './core/instance-type';
export * from './core/encryption';
export * from './core/storage';
export * from './core/network';
export * from './core/roles';
export * from './core/algorithm';
export * from './nag/sagemaker-checks';
