// strata-lifecycled's registry client: pull, push and login against OCI
// distribution registries (see api.ts for the service contract).
import { failedPrecondition } from '../../errors.ts';
import type { ImageService } from '../images/types.ts';
import { distributionApi, type DistributionApi } from './api.ts';
import type { RegistryContent } from './deps.ts';

export type * from './api.ts';
export { distributionApi } from './api.ts';

/** The Distribution service over the image service and its content store. */
export function createDistribution(opts: { images: ImageService; dataRoot: string; insecureRegistries?: string[]; log: (msg: string) => void }): DistributionApi {
  const content = opts.images.content as RegistryContent | undefined;
  if (!content) throw failedPrecondition('lifecycled', 'the image service has no content store: pull and push are unavailable');
  return distributionApi({ images: opts.images, content, dataRoot: opts.dataRoot, insecureRegistries: opts.insecureRegistries ?? [], log: opts.log });
}
