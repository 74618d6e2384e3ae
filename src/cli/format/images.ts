// `images` and `history` rows, as docker's image formatter prints them.
import type { ImageHistoryItem, ImageSummary } from '../../client/types.ts';
import { ago, humanSize, shortId } from './human.ts';

export const IMAGES_HEADERS: Record<string, string> = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  ID: 'IMAGE ID',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
};

export const IMAGES_DEFAULT = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

export function splitTag(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, '<none>'];
}

/** One row per tag; an untagged image is one <none> row. */
export function imageRows(img: ImageSummary, trunc: boolean): Record<string, string>[] {
  const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  const base = {
    ID: trunc ? shortId(img.Id) : img.Id,
    Digest: (img.RepoDigests ?? [])[0]?.split('@')[1] ?? '<none>',
    CreatedSince: ago(img.Created),
    CreatedAt: new Date(img.Created * 1000).toISOString(),
    Size: humanSize(img.Size),
    Containers: img.Containers >= 0 ? String(img.Containers) : 'N/A',
  };
  if (tags.length === 0) return [{ Repository: '<none>', Tag: '<none>', ...base }];
  return tags.map((t) => {
    const [Repository, Tag] = splitTag(t);
    return { Repository, Tag, ...base };
  });
}

export const HISTORY_HEADERS: Record<string, string> = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };
export const HISTORY_DEFAULT = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

export function historyRow(h: ImageHistoryItem, trunc: boolean): Record<string, string> {
  const by = h.CreatedBy.replace(/\s+/g, ' ');
  return {
    ID: h.Id === '<missing>' || !h.Id ? '<missing>' : trunc ? shortId(h.Id) : h.Id,
    CreatedSince: ago(h.Created),
    CreatedBy: trunc && [...by].length > 45 ? `${[...by].slice(0, 44).join('')}…` : by,
    Size: humanSize(h.Size),
    Comment: h.Comment,
  };
}
