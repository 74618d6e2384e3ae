// Docker events (moby daemon/events/events.go, api/types/events): a bounded
// history for `since`, and live subscribers.  Container events come from two
// places: stratad's own verbs (create, start, kill, stop, restart, pause,
// unpause, rename, destroy, update) and lifecycled's event stream for what
// happens below us (die, oom, exec_create, exec_start, exec_die).

export interface DockerEvent {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

export interface EventFilter {
  type?: Set<string>;
  event?: Set<string>;
  container?: Set<string>;
  image?: Set<string>;
  label?: Set<string>;
}

const HISTORY_MAX = 1024;

export function matchesFilter(e: DockerEvent, f: EventFilter): boolean {
  if (f.type?.size && !f.type.has(e.Type)) return false;
  if (f.event?.size && ![...f.event].some((a) => e.Action === a || e.Action.startsWith(`${a}:`))) return false;
  if (f.container?.size) {
    const name = e.Actor.Attributes.name ?? '';
    if (e.Type !== 'container' || ![...f.container].some((c) => c === name || (c.length > 0 && e.Actor.ID.startsWith(c)))) return false;
  }
  if (f.image?.size) {
    const img = e.Actor.Attributes.image ?? (e.Type === 'image' ? e.Actor.ID : '');
    if (![...f.image].some((i) => i === img || `${i}:latest` === img)) return false;
  }
  if (f.label?.size) {
    for (const l of f.label) {
      const [k = '', v] = l.split('=', 2);
      const have = e.Actor.Attributes[k];
      if (have === undefined || (v !== undefined && have !== v)) return false;
    }
  }
  return true;
}

export class DockerEvents {
  private readonly history: DockerEvent[] = [];
  private readonly subscribers = new Set<(e: DockerEvent) => void>();

  emit(type: string, action: string, id: string, attributes: Record<string, string>): DockerEvent {
    const ms = Date.now();
    const ev: DockerEvent = {
      Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local',
      time: Math.floor(ms / 1000), timeNano: ms * 1_000_000,
    };
    // The pre-1.22 fields docker-py and old clients still read.
    if (type === 'container') Object.assign(ev, { status: action, id, from: attributes.image ?? '' });
    this.history.push(ev);
    if (this.history.length > HISTORY_MAX) this.history.splice(0, this.history.length - HISTORY_MAX);
    for (const s of this.subscribers) s(ev);
    return ev;
  }

  /** History since sinceNano (inclusive), then live events; one synchronous step so nothing falls between. */
  subscribe(sinceNano: number | undefined, deliver: (e: DockerEvent) => void): () => void {
    if (sinceNano !== undefined) for (const e of this.history) if (e.timeNano >= sinceNano) deliver(e);
    this.subscribers.add(deliver);
    return () => this.subscribers.delete(deliver);
  }

  get listeners(): number {
    return this.subscribers.size;
  }
}
