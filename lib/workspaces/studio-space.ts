import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ValidationProblems } from '../core/private/validation';
import { STUDIO_NAME_ALLOWED, STUDIO_NAME_PATTERN } from './private/workspace-checks';
import type { SecureStudioDomain } from './studio-domain';
import type { StudioUserProfile } from './studio-user-profile';

/** The application a Studio space runs. */
export enum StudioSpaceAppType {
  /** JupyterLab (shut down by the domain's idle-shutdown lifecycle configuration). */
  JUPYTER_LAB = 'JupyterLab',
  /** Code Editor, based on Code-OSS (shut down by SageMaker's own idle shutdown). */
  CODE_EDITOR = 'CodeEditor',
}

/**
 * Options of a space added with `SecureStudioDomain.addSpace()`.
 */
export interface StudioSpaceOptions {
  /** The user profile that owns the space. */
  readonly owner: StudioUserProfile;

  /**
   * The application the space runs.
   *
   * @default StudioSpaceAppType.JUPYTER_LAB
   */
  readonly appType?: StudioSpaceAppType;

  /**
   * Whether every user profile of the domain may use the space (its apps then run as the
   * domain's `sharedSpaceRole`); otherwise only its owner may, as the owner's role.
   *
   * @default true
   */
  readonly shared?: boolean;

  /**
   * The name Studio shows.
   *
   * @default - the space's name
   */
  readonly displayName?: string;
}

/**
 * Properties of a {@link StudioSpace}.
 */
export interface StudioSpaceProps extends StudioSpaceOptions {
  /** The domain the space belongs to. */
  readonly domain: SecureStudioDomain;

  /** The space's name (letters, digits and hyphens, at most 63 characters). */
  readonly spaceName: string;
}

/**
 * A Studio space (`AWS::SageMaker::Space`): its storage is encrypted with the domain's key, its
 * apps run in the domain's VPC and security group and shut down when idle.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sagemaker-space.html
 */
export class StudioSpace extends Construct {
  /** The space's name. */
  public readonly spaceName: string;

  /** The space's ARN. */
  public readonly spaceArn: string;

  constructor(scope: Construct, id: string, props: StudioSpaceProps) {
    super(scope, id);
    ValidationProblems.of('StudioSpace', scope, id)
      .require(STUDIO_NAME_PATTERN.test(props.spaceName), 'spaceName', props.spaceName, STUDIO_NAME_ALLOWED)
      .throwIfAny();
    this.spaceName = props.spaceName;
    const space = new sagemaker.CfnSpace(this, 'Resource', {
      domainId: props.domain.domainId,
      spaceName: props.spaceName,
      spaceDisplayName: props.displayName,
      ownershipSettings: { ownerUserProfileName: props.owner.userProfileName },
      spaceSharingSettings: { sharingType: props.shared ?? true ? 'Shared' : 'Private' },
      spaceSettings: { appType: props.appType ?? StudioSpaceAppType.JUPYTER_LAB },
    });
    // The owner must exist first (the space names it by name only).
    space.node.addDependency(props.owner.node.defaultChild!);
    this.spaceArn = space.attrSpaceArn;
  }
}
