// The store outside React: feeds write into it, panes read it through
// useSyncExternalStore, the key router reads it synchronously. Bursts of
// changes (a replayed ring, a hundred stats samples) reach React as one
// notification per `batchMs`.
import { initialState, type UiState } from './state.ts';

export type Listener = () => void;

export class Store {
  private current: UiState;
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    host: string,
    private readonly batchMs = 50,
  ) {
    this.current = initialState(host);
  }

  get state(): UiState {
    return this.current;
  }

  /** Replace part of the state; listeners hear of it once per batch. */
  update(change: Partial<UiState> | ((s: UiState) => Partial<UiState>)): void {
    const patch = typeof change === 'function' ? change(this.current) : change;
    this.current = { ...this.current, ...patch };
    this.schedule();
  }

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  getSnapshot = (): UiState => this.current;

  /** Tell listeners now (tests, and before a suspend). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const l of this.listeners) l();
  }

  private schedule(): void {
    if (this.batchMs === 0) {
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.batchMs);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
  }
}
