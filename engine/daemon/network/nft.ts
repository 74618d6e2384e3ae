// The engine's nftables table, rendered whole from the store and swapped in
// one transaction (add; delete; add with contents): no half-applied state,
// and a restart simply renders it again, which also drops rules of
// containers a crash left behind.  The rules live in the kernel, so
// published ports answer while stratad and strata-lifecycled are down.
//
//   prerouting (dstnat)  traffic from outside to a local address -> ports
//   output (-100)        host-local traffic (127.0.0.1 included) -> ports
//   ports                one DNAT per published port to the container's IP
//   postrouting (srcnat) masquerade 127.0.0.0/8 sources leaving on our
//                        bridges (loopback publishing: route_localnet is set
//                        on the bridge), hairpin (a container to its own
//                        published port), and egress of non-internal subnets
//   forward              networks are isolated from each other (Docker's
//                        DOCKER-ISOLATION); internal ones from everything
import type { PortBinding } from './store.ts';

export interface NftBridge {
  bridge: string;
  subnet: string;
  internal: boolean;
}

export interface NftPort extends PortBinding {
  targetIp: string;
}

const q = (s: string) => JSON.stringify(s);

export function renderTable(table: string, bridges: NftBridge[], ports: NftPort[]): string {
  const portRules = ports.map((p) => `    ${p.hostIp ? `ip daddr ${p.hostIp} ` : ''}${p.proto} dport ${p.hostPort} dnat to ${p.targetIp}:${p.containerPort}`);
  const post: string[] = [];
  const fwd: string[] = [];
  for (const b of bridges) {
    const others = bridges.filter((o) => o.bridge !== b.bridge).map((o) => q(o.bridge));
    if (others.length) fwd.push(`    iifname ${q(b.bridge)} oifname { ${others.join(', ')} } drop`);
    post.push(`    oifname ${q(b.bridge)} ip saddr 127.0.0.0/8 masquerade`);
    post.push(`    iifname ${q(b.bridge)} oifname ${q(b.bridge)} ct status dnat masquerade`);
    if (b.internal) {
      fwd.push(`    iifname ${q(b.bridge)} oifname != ${q(b.bridge)} drop`, `    oifname ${q(b.bridge)} iifname != ${q(b.bridge)} drop`);
    } else {
      post.push(`    ip saddr ${b.subnet} oifname != ${q(b.bridge)} masquerade`);
    }
  }
  return [
    `table ip ${table} {}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    fib daddr type local jump ports',
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    '    fib daddr type local jump ports',
    '  }',
    '  chain ports {',
    ...portRules,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...post,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    ...fwd,
    '  }',
    '}',
    '',
  ].join('\n');
}
