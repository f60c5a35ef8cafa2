import { CloudAssemblyContents } from '../../lib/review/private/cloud-assembly';
import { numberedAcknowledgments } from '../../lib/review/private/sections';

/** An assembly of one stack with these acknowledgments (all the review's numbering reads). */
function assemblyWith(...acknowledgments: Array<{ rule: string; path: string }>): CloudAssemblyContents {
  return {
    stacks: [{ name: 'S', resources: {}, logicalIds: {}, acknowledgments: acknowledgments.map((a) => ({ ...a, reason: 'r' })) } as any],
  };
}

describe('acknowledgment ids in a review', () => {
  test('a rule naming a job by its configuration hash keeps its id when only the hash changes (a new image)', () => {
    // GIVEN the same acknowledgment before and after the job's image (and so its name's hash) changed
    const before = numberedAcknowledgments(assemblyWith({ rule: 'AwsSolutions-IAM5[Resource::arn:aws:sagemaker:r:a:training-job/churn-f1d91b34-5b0c4e1f2a3b-*]', path: '/S/Role' }));
    const after = numberedAcknowledgments(assemblyWith({ rule: 'AwsSolutions-IAM5[Resource::arn:aws:sagemaker:r:a:training-job/churn-f1d91b34-9e8d7c6b5a4f-*]', path: '/S/Role' }));
    // THEN the id is the same
    expect(after[0].id).toMatch(/^A-[0-9a-f]{6}$/);
    expect(after[0].id).toBe(before[0].id);
  });

  test('acknowledgments of other rules or other paths get other ids; an account id is not a hash', () => {
    const [a, b, c] = numberedAcknowledgments(assemblyWith(
      { rule: 'AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/train/*]', path: '/S/Role' },
      { rule: 'AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/test/*]', path: '/S/Role' },
      { rule: 'AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/train/*]', path: '/S/Other' },
    ));
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    const [one] = numberedAcknowledgments(assemblyWith({ rule: 'AwsSolutions-IAM5[Resource::arn:aws:ecr:r:111122223333:repository/x]', path: '/S/Role' }));
    const [other] = numberedAcknowledgments(assemblyWith({ rule: 'AwsSolutions-IAM5[Resource::arn:aws:ecr:r:444455556666:repository/x]', path: '/S/Role' }));
    expect(one.id).not.toBe(other.id);
  });
});
