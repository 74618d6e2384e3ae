// The request log: every API call in a bounded ring, with live followers
// (GET /strata/requests?follow=1 streams NDJSON).
//
// Caller identity: Node exposes no SO_PEERCRED on Unix sockets (net.Socket has
// no getPeerCertificate-like call for credentials, and there is no native
// addon here), so uid and pid are null for Unix-socket callers; TLS callers
// are identified by their certificate, not a uid, so null there too.

import type { RequestRecord } from './strata-api.ts';

export type { RequestRecord };

export type Follower = (r: RequestRecord) => void;

export class RequestLog {
  private readonly ring: RequestRecord[] = [];
  private readonly followers = new Set<Follower>();
  private nextId = 1;

  constructor(private readonly capacity = 1000) {}

  newId(): number {
    return this.nextId++;
  }

  add(r: RequestRecord): void {
    this.ring.push(r);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
    for (const f of this.followers) f(r);
  }

  list(): RequestRecord[] {
    return [...this.ring];
  }

  follow(f: Follower): () => void {
    this.followers.add(f);
    return () => this.followers.delete(f);
  }
}
