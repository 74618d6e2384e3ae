// Local image names: "busybox" -> "busybox:latest"; a docker.io/library/ or
// docker.io/ prefix is accepted and stripped (there is no registry here).
import { invalidArgument } from './errors.ts';

const REPO = /^[a-z0-9][a-z0-9._-]*(?::[0-9]+)?(?:\/[a-z0-9][a-z0-9._-]*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function normalizeName(raw: string): string {
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > 512) throw invalidArgument(`invalid image name ${JSON.stringify(raw)}`);
  let name = raw.trim();
  for (const prefix of ['docker.io/library/', 'index.docker.io/library/', 'docker.io/', 'index.docker.io/']) {
    if (name.startsWith(prefix)) {
      name = name.slice(prefix.length);
      break;
    }
  }
  if (name.includes('@')) throw invalidArgument(`invalid image name ${JSON.stringify(raw)}: digest references are not local names`);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  let repo = name;
  let tag = 'latest';
  if (colon > slash) {
    repo = name.slice(0, colon);
    tag = name.slice(colon + 1);
  }
  if (!REPO.test(repo)) throw invalidArgument(`invalid image name ${JSON.stringify(raw)}: want lowercase [a-z0-9._-] components separated by /`);
  if (!TAG.test(tag)) throw invalidArgument(`invalid image name ${JSON.stringify(raw)}: bad tag ${JSON.stringify(tag)}`);
  return `${repo}:${tag}`;
}
