import { createHash } from 'node:crypto';

/**
 * Artifact manifests and digests exactly as the SDK defines them (docs/WANDB_PROTOCOL.md §3.1–3.3):
 * entry digest = base64 MD5 of the bytes; artifact digest = hex MD5 of
 * "wandb-artifact-manifest-v1\n" + "{path}:{digest}\n" per entry sorted by UTF-8 bytes; the
 * manifest file is what Python's `json.dump(manifest, fp, indent=4)` writes.
 */

export interface ManifestEntry {
  digest: string;
  birthArtifactID?: string;
  size?: number;
  ref?: string;
  extra?: Record<string, unknown>;
}

export interface ManifestV1 {
  version: 1;
  storagePolicy: 'wandb-storage-policy-v1';
  storagePolicyConfig: { storageLayout?: 'V1' | 'V2'; storageRegion?: string };
  contents: Record<string, ManifestEntry>;
}

export const b64md5 = (bytes: Buffer | string): string => createHash('md5').update(bytes).digest('base64');
export const hexOfB64 = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');

/** Paths in code-point order (Python `sorted`), i.e. by their UTF-8 bytes — not JS's UTF-16 order. */
export function sortPaths(paths: Iterable<string>): string[] {
  return [...paths].map((p) => ({ p, k: Buffer.from(p, 'utf8') })).sort((a, b) => Buffer.compare(a.k, b.k)).map((x) => x.p);
}

export function artifactDigest(contents: Record<string, { digest: string }> | Map<string, { digest: string }>): string {
  const map = contents instanceof Map ? contents : new Map(Object.entries(contents));
  const hash = createHash('md5');
  hash.update('wandb-artifact-manifest-v1\n');
  for (const path of sortPaths(map.keys())) hash.update(`${path}:${map.get(path)!.digest}\n`);
  return hash.digest('hex');
}

/** Python's json.dumps default `ensure_ascii=True`: every non-ASCII character as \uXXXX. */
const asciiOnly = (json: string): string => json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * A JSON text the way Python's json module writes it: with `indent`, separators ',' and ': ';
 * without, ', ' and ': '; optionally with sorted keys (`sort_keys=True`, code-point order).
 */
export function pythonJson(value: unknown, opts: { indent?: number; sortKeys?: boolean } = {}): string {
  if (opts.indent !== undefined) {
    const v = opts.sortKeys ? sortKeysDeep(value) : value;
    return asciiOnly(JSON.stringify(v, null, opts.indent));
  }
  const out: string[] = [];
  const write = (v: unknown): void => {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError('JSON for W&B cannot hold NaN or Infinity');
      out.push(v === undefined ? 'null' : JSON.stringify(v));
      return;
    }
    if (Array.isArray(v)) {
      out.push('[');
      v.forEach((x, i) => {
        if (i) out.push(', ');
        write(x);
      });
      out.push(']');
      return;
    }
    const obj = v as Record<string, unknown>;
    let keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
    if (opts.sortKeys) keys = sortPaths(keys);
    out.push('{');
    keys.forEach((k, i) => {
      if (i) out.push(', ');
      out.push(JSON.stringify(k), ': ');
      write(obj[k]);
    });
    out.push('}');
  };
  write(value);
  return asciiOnly(out.join(''));
}

function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v && typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of sortPaths(Object.keys(obj))) out[k] = sortKeysDeep(obj[k]);
    return out;
  }
  return v;
}

/** The manifest file's bytes, entries in sorted order and keys in the Python shape (digest, birthArtifactID, size). */
export function serializeManifest(contents: Map<string, ManifestEntry>): Buffer {
  const ordered: Record<string, ManifestEntry> = {};
  for (const path of sortPaths(contents.keys())) {
    const e = contents.get(path)!;
    ordered[path] = {
      digest: e.digest,
      ...(e.ref !== undefined ? { ref: e.ref } : {}),
      ...(e.birthArtifactID !== undefined ? { birthArtifactID: e.birthArtifactID } : {}),
      ...(e.size !== undefined ? { size: e.size } : {}),
      ...(e.extra !== undefined ? { extra: e.extra } : {}),
    };
  }
  const manifest: ManifestV1 = { version: 1, storagePolicy: 'wandb-storage-policy-v1', storagePolicyConfig: { storageLayout: 'V2' }, contents: ordered };
  return Buffer.from(pythonJson(manifest, { indent: 4 }), 'utf8');
}

/** Read a manifest someone (anyone: Python, wandb-core, Folio) wrote; unknown keys are ignored. */
export function parseManifest(bytes: Buffer | string): Map<string, ManifestEntry> {
  let v: unknown;
  try {
    v = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`the artifact manifest is not JSON (${(err as Error).message})`);
  }
  const m = v as Partial<ManifestV1>;
  if (m.version !== 1) throw new Error(`the artifact manifest has version ${JSON.stringify(m.version)}; only version 1 is understood`);
  if (!m.contents || typeof m.contents !== 'object') throw new Error('the artifact manifest has no contents');
  const out = new Map<string, ManifestEntry>();
  for (const [path, raw] of Object.entries(m.contents)) {
    const e = raw as ManifestEntry;
    if (!e || typeof e.digest !== 'string') throw new Error(`manifest entry ${path} has no digest`);
    out.set(path, {
      digest: e.digest,
      ...(typeof e.birthArtifactID === 'string' ? { birthArtifactID: e.birthArtifactID } : {}),
      ...(typeof e.size === 'number' ? { size: e.size } : {}),
      ...(typeof e.ref === 'string' ? { ref: e.ref } : {}),
      ...(e.extra && typeof e.extra === 'object' ? { extra: e.extra } : {}),
    });
  }
  return out;
}

/** 128 random characters from [a-z0-9], like the SDK's `generate_fast_id(128)`. */
export function randomClientId(length = 128): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(length * 2);
  crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) {
    if (b >= 252) continue; // 252 = 7 × 36: keep the distribution uniform
    out += alphabet[b % 36];
    if (out.length === length) break;
  }
  return out.length === length ? out : out + randomClientId(length - out.length);
}

/** A run id: 8 characters from [a-z0-9] (`wandb/sdk/lib/runid.py`). */
export const randomRunId = (): string => randomClientId(8);
