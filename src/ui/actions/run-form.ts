// The run form's text as a container config: image, a command line split
// like a shell would (quotes kept together), a name, and a few docker run
// options. Pure, so the parsing is tested without a daemon.
import type { CreateContainerOptions } from '../../client/types.ts';
import type { FormField } from '../store/state.ts';

export function runFormFields(): FormField[] {
  return [
    { key: 'image', label: 'image', value: 'busybox' },
    { key: 'command', label: 'command', value: 'sh -c "while true; do sleep 1; done"' },
    { key: 'name', label: 'name', value: '' },
    { key: 'options', label: 'options', value: '' },
  ];
}

/** Split a command line on spaces, keeping '...' and "..." together. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else cur += ch;
  }
  if (quote) throw new Error(`unclosed ${quote} in "${line}"`);
  if (has || cur) out.push(cur);
  return out;
}

function size(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmg]?)b?$/i.exec(v.trim());
  if (!m) throw new Error(`"${v}" is not a size (like 64m)`);
  const mult = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

export interface RunSpec {
  name: string | undefined;
  body: CreateContainerOptions;
}

export function runSpec(fields: FormField[]): RunSpec {
  const get = (k: FormField['key']) => fields.find((f) => f.key === k)?.value.trim() ?? '';
  const image = get('image');
  if (!image) throw new Error('image is required');
  const cmd = splitWords(get('command'));
  const host: NonNullable<CreateContainerOptions['HostConfig']> = {};
  const body: CreateContainerOptions = { Image: image, ...(cmd.length ? { Cmd: cmd } : {}), HostConfig: host, Env: [] };
  const opts = splitWords(get('options'));
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i] as string;
    const next = () => {
      const v = opts[++i];
      if (v === undefined) throw new Error(`${o} needs a value`);
      return v;
    };
    if (o === '-e' || o === '--env') body.Env!.push(next());
    else if (o === '-m' || o === '--memory') host.Memory = size(next());
    else if (o === '--cpus') host.NanoCpus = Math.round(Number(next()) * 1e9);
    else if (o === '--pids-limit') host.PidsLimit = Number(next());
    else if (o === '-t' || o === '--tty') body.Tty = true;
    else if (o === '--rm') host.AutoRemove = true;
    else if (o === '-p' || o === '--publish') {
      const [hostPort, ctrPort] = next().split(':');
      if (!hostPort || !ctrPort) throw new Error('-p takes HOSTPORT:CONTAINERPORT');
      const key = ctrPort.includes('/') ? ctrPort : `${ctrPort}/tcp`;
      host.PortBindings = { ...host.PortBindings, [key]: [{ HostIp: '', HostPort: hostPort }] };
      body.ExposedPorts = { ...body.ExposedPorts, [key]: {} };
    } else throw new Error(`unknown option ${o} (known: -e, -m, --cpus, --pids-limit, -p, -t, --rm)`);
  }
  const name = get('name');
  return { name: name || undefined, body };
}
