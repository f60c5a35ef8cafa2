import { SageMakerRule } from '../private/rule';
import { endpointAutoRollback } from './endpoint-auto-rollback';
import { endpointConfigDataCaptureKms } from './endpoint-config-data-capture-kms';
import { endpointConfigKms } from './endpoint-config-kms';
import { endpointConfigMultiInstance } from './endpoint-config-multi-instance';
import { featureGroupOfflineStoreKms } from './feature-group-offline-store-kms';
import { featureGroupOnlineStoreKms } from './feature-group-online-store-kms';
import { jobInVpc } from './job-in-vpc';
import { jobInterContainerEncryption } from './job-inter-container-encryption';
import { jobMaxRuntime } from './job-max-runtime';
import { jobNetworkIsolation } from './job-network-isolation';
import { jobOutputKms } from './job-output-kms';
import { jobVolumeKms } from './job-volume-kms';
import { modelInVpc } from './model-in-vpc';
import { modelNetworkIsolation } from './model-network-isolation';
import { modelPackageGroupNotPublic } from './model-package-group-not-public';
import { modelPackageKms } from './model-package-kms';
import { notebookRootAccessDisabled } from './notebook-root-access-disabled';
import { domainInVpc } from './domain-in-vpc';
import { domainKms } from './domain-kms';
import { modelContainersPrivateRegistry } from './model-containers-private-registry';
import { modelPrimaryContainerPrivateRegistry } from './model-primary-container-private-registry';
import { notebookInVpc } from './notebook-in-vpc';
import { notebookKms } from './notebook-kms';
import { notebookNoDirectInternetAccess } from './notebook-no-direct-internet-access';
import { notebookSupportedPlatform } from './notebook-supported-platform';


/** Every rule of the pack, in the order the README lists them. */
export const SAGEMAKER_RULES: readonly SageMakerRule[] = [
  modelInVpc,
  modelNetworkIsolation,
  endpointConfigKms,
  endpointConfigDataCaptureKms,
  endpointConfigMultiInstance,
  endpointAutoRollback,
  jobNetworkIsolation,
  jobInterContainerEncryption,
  jobInVpc,
  jobVolumeKms,
  jobOutputKms,
  jobMaxRuntime,
  featureGroupOnlineStoreKms,
  featureGroupOfflineStoreKms,
  notebookRootAccessDisabled,
  modelPackageKms,
  modelPackageGroupNotPublic,
  notebookNoDirectInternetAccess,
  notebookInVpc,
  notebookSupportedPlatform,
  notebookKms,
  domainInVpc,
  domainKms,
  modelPrimaryContainerPrivateRegistry,
  modelContainersPrivateRegistry,
];
