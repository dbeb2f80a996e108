import { describe, expect, it } from 'vitest';
import { run } from '../cli/main.js';
import { extenderCommand } from './command.js';
import { DEFAULT_EXTENDER_CONFIG } from './config.js';

async function configOf(argv: string[]) {
  const { extenderConfig } = await import('./command.js');
  const command = extenderCommand();
  command.exitOverride().action(() => {});
  command.parse(argv, { from: 'user' });
  return extenderConfig(command.opts() as Parameters<typeof extenderConfig>[0]);
}

describe('wirespeed extender flags', () => {
  it('defaults to the documented configuration', async () => {
    expect(await configOf([])).toEqual(DEFAULT_EXTENDER_CONFIG);
  });

  it('turns flags into plain options, durations in ms', async () => {
    const config = await configOf([
      '--port=9000',
      '--bind-mode',
      '--score=spread',
      '--missing-report=allow',
      '--max-report-age=2m',
      '--reservation-ttl=90s',
      '--lease-namespace=',
      '--managed-resources=intel.com/a,intel.com/b',
      '--managed-resources',
      'example.com/c',
      '--url-prefix=/scheduler/',
      '--health-port=8891',
      '--tls-cert-file=c.pem',
      '--tls-private-key-file=k.pem',
      '--client-ca=ca.pem',
    ]);
    expect(config).toEqual({
      ...DEFAULT_EXTENDER_CONFIG,
      port: 9000,
      bindMode: true,
      fit: { score: 'spread', missingReport: 'allow' },
      maxReportAgeMs: 120_000,
      reservationTtlMs: 90_000,
      leaseNamespace: '',
      managedResources: ['intel.com/a', 'intel.com/b', 'example.com/c'],
      prefix: '/scheduler',
      healthPort: 8891,
      tls: { certFile: 'c.pem', keyFile: 'k.pem', clientCaFile: 'ca.pem' },
    });
  });

  it.each([
    [['--tls-cert-file=c.pem'], '--tls-cert-file and --tls-private-key-file go together'],
    [['--client-ca=ca.pem'], '--client-ca needs TLS: also pass --tls-cert-file and --tls-private-key-file'],
    [['--bind-mode', '--no-ledger'], '--bind-mode needs the ledger; drop --no-ledger'],
    [['--url-prefix=scheduler'], '--url-prefix "scheduler" must start with /'],
  ])('refuses %j', async (argv, message) => {
    await expect(configOf(argv)).rejects.toThrow(message);
  });

  it('exits 2 on a bad value, with the flag named', async () => {
    let stderr = '';
    const write = process.stderr.write;
    process.stderr.write = ((t: string) => {
      stderr += t;
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await run(['node', 'wirespeed', 'extender', '--reservation-ttl=soon'])).toBe(2);
      expect(await run(['node', 'wirespeed', 'extender', '--managed-resources=no way'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr).toContain("option '--reservation-ttl <duration>' argument 'soon' is invalid");
    expect(stderr).toContain('--managed-resources: "no way" is not a resource name');
  });
});
