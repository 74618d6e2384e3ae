// --mount and --tmpfs as the docker CLI turns them into HostConfig.Mounts /
// HostConfig.Tmpfs (cli/opts/mount.go): comma-separated key=value fields,
// sizes with units, modes in octal.  Unknown keys are usage errors here; the
// daemon checks the rest.
import { parseBytes, UsageError } from './args.ts';

export interface MountObject {
  Type: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

function boolValue(v: string | undefined, key: string, spec: string): boolean {
  if (v === undefined || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new UsageError(`invalid value for ${key}: ${v} in --mount ${spec}`);
}

/** One --mount value. */
export function parseMountFlag(spec: string): MountObject {
  const m: MountObject = { Type: 'volume' };
  const volume = () => (m.VolumeOptions ??= {});
  const driver = () => (volume().DriverConfig ??= {});
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    const need = () => {
      if (value === undefined || value === '') throw new UsageError(`invalid field '${field}' must be a key=value pair`);
      return value;
    };
    switch (key) {
      case 'type': m.Type = need(); break;
      case 'source': case 'src': m.Source = need(); break;
      case 'target': case 'destination': case 'dst': m.Target = need(); break;
      case 'readonly': case 'ro': m.ReadOnly = boolValue(value, key, spec); break;
      case 'consistency': need(); break;
      case 'bind-propagation': (m.BindOptions ??= {}).Propagation = need(); break;
      case 'bind-nonrecursive': (m.BindOptions ??= {}).NonRecursive = boolValue(value, key, spec); break;
      case 'volume-nocopy': volume().NoCopy = boolValue(value, key, spec); break;
      case 'volume-driver': driver().Name = need(); break;
      case 'volume-label': {
        const kv = need();
        const i = kv.indexOf('=');
        (volume().Labels ??= {})[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : kv.slice(i + 1);
        break;
      }
      case 'volume-opt': {
        const kv = need();
        const i = kv.indexOf('=');
        if (i < 0) throw new UsageError(`invalid volume-opt '${kv}': expected key=value`);
        (driver().Options ??= {})[kv.slice(0, i)] = kv.slice(i + 1);
        break;
      }
      case 'tmpfs-size': (m.TmpfsOptions ??= {}).SizeBytes = parseBytes(need()); break;
      case 'tmpfs-mode': {
        const v = need();
        if (!/^[0-7]+$/.test(v)) throw new UsageError(`invalid value for tmpfs-mode: ${v}`);
        (m.TmpfsOptions ??= {}).Mode = parseInt(v, 8);
        break;
      }
      default:
        throw new UsageError(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Target) throw new UsageError(`target is required in --mount ${spec}`);
  return m;
}

/** --tmpfs "/run[:options]" values as HostConfig.Tmpfs. */
export function parseTmpfsFlags(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf(':');
    out[i < 0 ? v : v.slice(0, i)] = i < 0 ? '' : v.slice(i + 1);
  }
  return out;
}
