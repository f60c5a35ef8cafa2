import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { at } from '../../private/properties';

/**
 * Whether every container pulls from a private registry: through the VPC
 * (`ImageConfig.RepositoryAccessMode: Vpc`), or from a private ECR repository (`*.dkr.ecr.*`,
 * literal or built by intrinsics, as CDK's image assets and region mappings are). Only a literal
 * image name of another registry is non-compliant; an image known only at deploy time that does
 * not name ECR cannot be judged.
 */
export function judgeContainerRegistries(containers: any[]): NagRuleResult {
  let judged = false;
  for (const container of containers) {
    if (at(container, 'ImageConfig', 'RepositoryAccessMode') === 'Vpc') { judged = true; continue; }
    const image = container?.Image;
    if (image === undefined) continue;
    if (JSON.stringify(image).includes('.dkr.ecr.')) { judged = true; continue; }
    if (typeof image !== 'string') continue;
    return NagRuleCompliance.NON_COMPLIANT;
  }
  return judged ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NOT_APPLICABLE;
}
