// Leases protect what an operation in flight has written (blobs, layer
// snapshots) from garbage collection until the image row that references it
// is committed — containerd's leases, in memory: after a crash, reconcile()
// and the next collection remove whatever an unfinished operation left.
export class Lease {
  readonly held = new Set<string>();
  constructor(private readonly owner: Leases) {}
  add(id: string): void {
    this.held.add(id);
  }
  release(): void {
    this.owner.active.delete(this);
  }
}

export class Leases {
  readonly active = new Set<Lease>();
  create(): Lease {
    const lease = new Lease(this);
    this.active.add(lease);
    return lease;
  }
  has(id: string): boolean {
    for (const l of this.active) if (l.held.has(id)) return true;
    return false;
  }
}
