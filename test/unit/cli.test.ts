import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { normalizeSingleDashFlags } from '../../src/cli/flags.js';
import { commands } from '../../src/commands.js';
import { SINGLE_DASH_FLAGS } from '../../src/webhook/command.js';

describe('wirespeed CLI', () => {
  it('gives every command and sub-command a description and help text with its options', () => {
    const walk = (command: ReturnType<typeof commands>[number], path: string[]): void => {
      const name = [...path, command.name()].join(' ');
      expect(command.description(), `${name} has a description`).not.toBe('');
      const help = command.helpInformation();
      expect(help).toContain('-h, --help');
      for (const option of command.options)
        expect(help, `${name} documents ${option.flags}`).toContain(option.flags);
      for (const sub of command.commands) walk(sub, [...path, command.name()]);
    };
    const all = commands();
    expect(all.map((c) => c.name())).toEqual(
      expect.arrayContaining(['webhook', 'inject', 'certs', 'dev-cluster', 'demo']),
    );
    for (const command of all) walk(command, ['wirespeed']);
  });

  it('lists every command in `wirespeed --help`', () => {
    const help = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--help'], {
      encoding: 'utf8',
    });
    for (const command of commands()) expect(help).toContain(command.name());
  });

  it('accepts network-resources-injector single-dash flags for the webhook only', () => {
    expect(
      normalizeSingleDashFlags(
        ['-port=8443', '-insecure', '-x', '--port', '-tls-cert-file', 'a.pem'],
        SINGLE_DASH_FLAGS,
      ),
    ).toEqual(['--port=8443', '--insecure', '-x', '--port', '--tls-cert-file', 'a.pem']);
  });
});
