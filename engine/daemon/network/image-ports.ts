// The image's ExposedPorts (its config blob), for -P: the docker CLI sends
// only the ports named on its command line.  An unreadable config counts as
// no exposed ports (the container's own ExposedPorts still apply).
import type { LifecycleApi } from '../../lifecycle/api-types.ts';
import { resolveImage } from '../images/model.ts';

export async function imageExposedPorts(lc: LifecycleApi, imageRef: string): Promise<string[]> {
  try {
    const { image } = await resolveImage(lc, imageRef);
    const ports = (image.config as { config?: { ExposedPorts?: unknown } }).config?.ExposedPorts;
    return ports && typeof ports === 'object' ? Object.keys(ports) : [];
  } catch {
    return [];
  }
}
