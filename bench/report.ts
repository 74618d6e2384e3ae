// Shared report writing for benchmarks: a JSON file and a Markdown table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Row { [column: string]: string | number }

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function writeReport(name: string, title: string, rows: Row[], notes: string[], raw: unknown): string {
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const columns = rows.length > 0 ? Object.keys(rows[0] as Row) : [];
  const lines = [
    `# ${title}`,
    '',
    `${new Date().toISOString()}, ${process.platform} ${process.arch}, node ${process.version}`,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${columns.map((c) => String(r[c])).join(' | ')} |`),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ];
  const markdown = lines.join('\n');
  writeFileSync(join(dir, `${name}-${stamp}.md`), markdown);
  writeFileSync(join(dir, `${name}-${stamp}.json`), JSON.stringify({ name, rows, notes, raw }, null, 2));
  writeFileSync(join(dir, `${name}-latest.md`), markdown);
  return markdown;
}
