import { describe, expect, it } from 'vitest';
import { run } from '../cli/main.js';

async function webhook(...flags: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await run(['node', 'wirespeed', 'webhook', ...flags], (text) => {
    stderr += text;
  });
  return { code, stderr };
}

describe('wirespeed webhook client-certificate flags', () => {
  it('refuses --require-client-cert with --insecure, and without --client-ca, as usage errors', async () => {
    expect(await webhook('--require-client-cert', '--insecure')).toEqual({
      code: 2,
      stderr: 'wirespeed: --require-client-cert and --insecure contradict each other; pass one\n',
    });
    expect(await webhook('--require-client-cert')).toEqual({
      code: 2,
      stderr:
        "wirespeed: --require-client-cert needs --client-ca <file>: the CA that signs the API server's client certificate\n",
    });
  });

  it('names a client CA file that does not exist', async () => {
    expect(await webhook('--require-client-cert', '--client-ca', '/nonexistent/ca.crt')).toEqual({
      code: 2,
      stderr:
        'wirespeed: client certificate verification is on but /nonexistent/ca.crt does not exist; pass --client-ca <file>, or --insecure to accept any client\n',
    });
  });
});
