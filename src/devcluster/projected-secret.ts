import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PemPair } from '../certs/pki.js';

/**
 * TLS files laid out as the kubelet projects a Secret volume: `tls.crt` and `tls.key` are symlinks through
 * `..data` to a timestamped directory, and an update writes a new directory and swaps `..data` in one rename.
 * Local runs use it so certificate rotation exercises the same path as in a cluster.
 */
export class ProjectedSecretDir {
  readonly dir: string;
  private generation = 0;

  constructor(pair: PemPair, dir?: string) {
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'wirespeed-tls-'));
    mkdirSync(this.dir, { recursive: true });
    this.write(pair);
    symlinkSync('..data/tls.crt', join(this.dir, 'tls.crt'));
    symlinkSync('..data/tls.key', join(this.dir, 'tls.key'));
  }

  write(pair: PemPair): void {
    const version = `..${Date.now()}_${this.generation++}`;
    mkdirSync(join(this.dir, version));
    writeFileSync(join(this.dir, version, 'tls.crt'), pair.certPem);
    writeFileSync(join(this.dir, version, 'tls.key'), pair.keyPem, { mode: 0o600 });
    symlinkSync(version, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
  }

  get files(): { certFile: string; keyFile: string } {
    return { certFile: join(this.dir, 'tls.crt'), keyFile: join(this.dir, 'tls.key') };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
