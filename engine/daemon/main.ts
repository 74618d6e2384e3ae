// stratad: the Docker Engine API daemon, in the foreground.
//   stratad --data-root DIR --exec-root DIR [-H unix:///path | -H tcp://127.0.0.1:PORT --insecure-tcp
//           | -H tcp://HOST:PORT --tlscacert F --tlscert F --tlskey F] [--lifecycled-socket PATH]
//           [--bridge NAME] [--bip CIDR] [--nft-table NAME] [--veth-prefix P] [--address-pool CIDR/SIZE] [--ip-forward=true|false]
//           [--insecure-registry HOST:PORT]...  (plain HTTP allowed; loopback always is)
//   (network flags, or <data-root>/network.json: engine/daemon/network/options.ts)
// Default socket /run/strata/strata.sock; lifecycled's socket defaults to
// <exec-root>/lifecycled.sock.  SIGTERM/SIGINT stop it; containers keep running.
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { startStratad } from './daemon.ts';
import { setInsecureRegistries } from './images/pull.ts';
import { DEFAULT_SOCKET, parseHost, type ListenSpec } from './listen.ts';
import { loadNetworkOptions } from './network/options.ts';

const USAGE = `usage: stratad --data-root DIR --exec-root DIR [-H unix:///path | -H tcp://127.0.0.1:PORT --insecure-tcp | -H tcp://HOST:PORT --tlscacert F --tlscert F --tlskey F] [--lifecycled-socket PATH]
       [--bridge NAME] [--bip CIDR] [--nft-table NAME] [--veth-prefix P] [--address-pool CIDR/SIZE]... [--ip-forward=true|false] [--insecure-registry HOST:PORT]...`;

function die(msg: string, code = 1): never {
  process.stderr.write(`stratad: ${msg}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'data-root': { type: 'string' },
        'exec-root': { type: 'string' },
        host: { type: 'string', short: 'H', multiple: true },
        'insecure-tcp': { type: 'boolean' },
        tlscacert: { type: 'string' },
        tlscert: { type: 'string' },
        tlskey: { type: 'string' },
        'lifecycled-socket': { type: 'string' },
        'insecure-registry': { type: 'string', multiple: true },
        bridge: { type: 'string' },
        bip: { type: 'string' },
        'nft-table': { type: 'string' },
        'veth-prefix': { type: 'string' },
        'address-pool': { type: 'string', multiple: true },
        'ip-forward': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    die(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`, 2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const dataRoot = values['data-root'];
  const execRoot = values['exec-root'];
  if (!dataRoot || !execRoot) die(`--data-root and --exec-root are required\n${USAGE}`, 2);
  const tlsParts = [values.tlscacert, values.tlscert, values.tlskey];
  if (tlsParts.some(Boolean) && !tlsParts.every(Boolean)) die('TLS needs all of --tlscacert, --tlscert and --tlskey', 2);
  let hosts: ListenSpec[];
  try {
    hosts = (values.host?.length ? values.host : [`unix://${DEFAULT_SOCKET}`]).map(parseHost);
  } catch (e) {
    die(e instanceof Error ? e.message : String(e), 2);
  }
  let network;
  try {
    network = loadNetworkOptions(dataRoot, { bridge: values.bridge, bip: values.bip, nftTable: values['nft-table'], vethPrefix: values['veth-prefix'], pools: values['address-pool'], ipForward: values['ip-forward'] });
  } catch (e) {
    die(e instanceof Error ? e.message : String(e), 2);
  }
  setInsecureRegistries(values['insecure-registry'] ?? []);
  const tls = values.tlscacert && values.tlscert && values.tlskey ? { ca: values.tlscacert, cert: values.tlscert, key: values.tlskey } : undefined;
  const daemon = await startStratad({
    dataRoot, execRoot, hosts, tls, insecureTcp: values['insecure-tcp'] === true, network,
    lifecycledSocket: values['lifecycled-socket'] ?? join(execRoot, 'lifecycled.sock'),
  });
  const stop = (sig: string) => {
    process.stderr.write(`stratad: ${sig}: stopping (containers keep running)\n`);
    daemon.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => die(e instanceof Error ? e.message : String(e)));
