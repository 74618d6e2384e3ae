// strata lc images import TARBALL NAME | load TARBALL | ls | rm NAME | tag SOURCE TARGET | config NAME
import { resolve } from 'node:path';

import type { ImageInfo } from './api.ts';
import { parseArgs, positionals, UsageError } from './args.ts';
import { api, type LcVerb } from './context.ts';
import { humanSize, shortTime, table } from './format.ts';

const rows = (images: ImageInfo[]) => images.map((i) => [i.name, i.digest, humanSize(i.size), shortTime(i.createdAt)]);
const listing = (images: ImageInfo[]) => table(['NAME', 'DIGEST', 'SIZE', 'CREATED'], rows(images));

export const imagesVerb: LcVerb = {
  name: 'images',
  usage: ['images import TARBALL NAME', 'images load TARBALL', 'images ls [-q]', 'images rm NAME...', 'images tag SOURCE TARGET', 'images config NAME'],
  async run(args, ctx) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'import': {
        const [tarball, name] = positionals(parseArgs(rest, []), ['TARBALL', 'NAME']) as [string, string];
        // The daemon opens the file itself: give it a path that does not depend on our cwd.
        const image = await (await api(ctx)).importImage(resolve(tarball), name);
        ctx.stdout.write(`${image.name} ${image.digest}\n`);
        return 0;
      }
      case 'load': {
        const [tarball] = positionals(parseArgs(rest, []), ['TARBALL']) as [string];
        const images = await (await api(ctx)).loadImages(resolve(tarball));
        for (const i of images) ctx.stdout.write(`loaded ${i.name} ${i.digest}\n`);
        return 0;
      }
      case 'ls':
      case 'list': {
        const p = parseArgs(rest, [{ name: 'quiet', short: 'q', kind: 'bool' }]);
        positionals(p, []);
        const images = (await (await api(ctx)).listImages()).sort((a, b) => a.name.localeCompare(b.name));
        ctx.stdout.write(p.bools.has('quiet') ? images.map((i) => `${i.name}\n`).join('') : listing(images));
        return 0;
      }
      case 'rm':
      case 'remove': {
        const p = parseArgs(rest, []);
        if (p.positionals.length === 0) throw new UsageError('missing NAME');
        const client = await api(ctx);
        for (const name of p.positionals) {
          await client.removeImage(name);
          ctx.stdout.write(`${name}\n`);
        }
        return 0;
      }
      case 'tag': {
        const [source, target] = positionals(parseArgs(rest, []), ['SOURCE', 'TARGET']) as [string, string];
        const image = await (await api(ctx)).tagImage(source, target);
        ctx.stdout.write(`${image.name} ${image.digest}\n`);
        return 0;
      }
      case 'config': {
        const [name] = positionals(parseArgs(rest, []), ['NAME']) as [string];
        const { digest, config } = await (await api(ctx)).imageConfig(name);
        ctx.stdout.write(`${JSON.stringify({ digest, config }, null, 2)}\n`);
        return 0;
      }
      default:
        throw new UsageError(sub === undefined ? 'missing images verb' : `unknown images verb "${sub}"`);
    }
  },
};
