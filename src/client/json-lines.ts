// Streams of JSON values, one per line (events, stats, pull/load/import
// progress). Daemons flush whole objects but the transport may split them,
// so lines are reassembled before parsing; blank lines are skipped.
import type { Readable } from 'node:stream';

export async function* jsonLines<T>(source: Readable): AsyncGenerator<T> {
  let rest = '';
  for await (const chunk of source) {
    rest += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
  const last = rest.trim();
  // Some daemons send concatenated objects without newlines (old progress streams).
  if (last) yield* concatenated<T>(last);
}

function* concatenated<T>(text: string): Generator<T> {
  try {
    yield JSON.parse(text) as T;
    return;
  } catch {
    // Split "}{" boundaries and parse each part.
  }
  for (const part of text.split(/(?<=\})\s*(?=\{)/)) yield JSON.parse(part) as T;
}
