import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../telemetry/logger.js';
import { createExtenderMetrics } from './metrics.js';
import { answer, type ExtenderVerbs, extenderRoutes } from './routes.js';

const metrics = createExtenderMetrics({ processMetrics: false });
const deps = { log: silentLogger, metrics };

/** Verbs that fit node names starting with "fit", call "never" unresolvable and everything else full. */
const verbs: ExtenderVerbs = {
  filter: ({ nodeNames }) => ({
    fits: nodeNames.filter((n) => n.startsWith('fit')),
    failed: Object.fromEntries(
      nodeNames.filter((n) => n.startsWith('full')).map((n) => [n, 'no NUMA node has 2 free intel.com/a']),
    ),
    unresolvable: Object.fromEntries(
      nodeNames.filter((n) => n.startsWith('never')).map((n) => [n, 'no topology report']),
    ),
  }),
  prioritize: ({ nodeNames }) => nodeNames.map((node, i) => ({ node, score: i })),
  bind: async (args) => (args.Node === 'full' ? 'no NUMA node has 2 free intel.com/a' : undefined),
};

const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [] } };

describe('answer (the reply to one body)', () => {
  it('filter replies with the exact Go field names and NodeNames as an array', () => {
    const reply = answer(
      'filter',
      JSON.stringify({ Pod: pod, Nodes: null, NodeNames: ['fit-1', 'full-1', 'never-1'] }),
      verbs,
      deps,
    );
    expect(JSON.stringify(reply)).toBe(
      JSON.stringify({
        status: 200,
        body: {
          NodeNames: ['fit-1'],
          FailedNodes: { 'full-1': 'no NUMA node has 2 free intel.com/a' },
          FailedAndUnresolvableNodes: { 'never-1': 'no topology report' },
          Error: '',
        },
      }),
    );
  });

  it('filter with no node fitting is still HTTP 200 with an empty NodeNames array', () => {
    const reply = answer('filter', JSON.stringify({ Pod: pod, NodeNames: ['full-1'] }), verbs, deps);
    expect(reply).toEqual({
      status: 200,
      body: {
        NodeNames: [],
        FailedNodes: { 'full-1': 'no NUMA node has 2 free intel.com/a' },
        FailedAndUnresolvableNodes: {},
        Error: '',
      },
    });
  });

  it('reads the request keys case-insensitively, as Go does', () => {
    const reply = answer('filter', JSON.stringify({ pod, nodes: null, nodenames: ['fit-a'] }), verbs, deps);
    expect(reply).toEqual({
      status: 200,
      body: { NodeNames: ['fit-a'], FailedNodes: {}, FailedAndUnresolvableNodes: {}, Error: '' },
    });
  });

  it('a full NodeList (nodeCacheCapable: false) is answered with the passing Node objects, and counted', async () => {
    const count = async () => (await metrics.fullNodeLists.get()).values.reduce((sum, v) => sum + v.value, 0);
    const was = await count();
    const nodes = {
      items: [{ metadata: { name: 'fit-1' }, status: { images: [] } }, { metadata: { name: 'full-1' } }],
    };
    const reply = answer('filter', JSON.stringify({ Pod: pod, Nodes: nodes, NodeNames: null }), verbs, deps);
    expect(JSON.stringify((reply as { body: unknown }).body)).toBe(
      JSON.stringify({
        Nodes: { items: [{ metadata: { name: 'fit-1' }, status: { images: [] } }] },
        NodeNames: ['fit-1'],
        FailedNodes: { 'full-1': 'no NUMA node has 2 free intel.com/a' },
        FailedAndUnresolvableNodes: {},
        Error: '',
      }),
    );
    expect(await count()).toBe(was + 1);
  });

  it('prioritize replies with a bare HostPriorityList', () => {
    const reply = answer('prioritize', JSON.stringify({ Pod: pod, NodeNames: ['a', 'b'] }), verbs, deps);
    expect(JSON.stringify(reply)).toBe(
      JSON.stringify({
        status: 200,
        body: [
          { Host: 'a', Score: 0 },
          { Host: 'b', Score: 1 },
        ],
      }),
    );
  });

  it.each([
    ['not JSON', '{"Pod":', /^the request body is not JSON: /],
    ['an array', '[]', /^the request body is not a JSON object \(ExtenderArgs\)$/],
    ['no Pod', '{"NodeNames":["a"]}', /^the request has no Pod object$/],
    ['Pod.spec a string', '{"Pod":{"spec":"x"},"NodeNames":[]}', /^Pod.spec is not an object$/],
    ['names not strings', '{"Pod":{},"NodeNames":[1]}', /^NodeNames holds a value that is not a string$/],
    ['names an object', '{"Pod":{},"NodeNames":{}}', /^NodeNames is not an array$/],
    [
      'neither list',
      '{"Pod":{},"NodeNames":null,"Nodes":null}',
      /^the request has neither NodeNames nor Nodes$/,
    ],
    ['Nodes without items', '{"Pod":{},"Nodes":{}}', /^Nodes is not a NodeList with items$/],
    [
      'a Node without name',
      '{"Pod":{},"Nodes":{"items":[{}]}}',
      /^Nodes holds an item without metadata.name$/,
    ],
  ])('a body with %s is a 400 with a message', (_name, body, message) => {
    const reply = answer('filter', body, verbs, deps) as { status: number; body: { Error: string } };
    expect(reply.status).toBe(400);
    expect(reply.body.Error).toMatch(message);
  });

  it('bind replies {"Error":""} when bound and the reason when the pod must be requeued', async () => {
    const args = { PodName: 'p', PodNamespace: 'ns', PodUID: 'u1', Node: 'fit-1' };
    expect(await answer('bind', JSON.stringify(args), verbs, deps)).toEqual({
      status: 200,
      body: { Error: '' },
    });
    expect(await answer('bind', JSON.stringify({ ...args, Node: 'full' }), verbs, deps)).toEqual({
      status: 200,
      body: { Error: 'no NUMA node has 2 free intel.com/a' },
    });
    expect(
      await answer(
        'bind',
        JSON.stringify({ podname: 'p', podnamespace: 'ns', poduid: 'u', node: 'fit' }),
        verbs,
        deps,
      ),
    ).toEqual({
      status: 200,
      body: { Error: '' },
    });
    expect(await answer('bind', JSON.stringify({ ...args, PodUID: 7 }), verbs, deps)).toEqual({
      status: 400,
      body: { Error: 'ExtenderBindingArgs.PodUID is missing or not a string' },
    });
  });

  it('bind without bind mode is a 404 that says how to turn it on', async () => {
    const { bind: _bind, ...noBind } = verbs;
    expect(await answer('bind', '{}', noBind, deps)).toEqual({
      status: 404,
      body: { Error: 'bind mode is off: start the extender with --bind-mode' },
    });
  });

  it('a verb that throws is a filter Error (the attempt fails loudly), never an exception', () => {
    const broken: ExtenderVerbs = {
      filter: () => {
        throw new Error('bug');
      },
      prioritize: () => {
        throw new Error('bug');
      },
    };
    const body = JSON.stringify({ Pod: pod, NodeNames: ['a'] });
    expect(answer('filter', body, broken, deps)).toEqual({
      status: 200,
      body: {
        NodeNames: [],
        FailedNodes: {},
        FailedAndUnresolvableNodes: {},
        Error: 'wirespeed extender internal error in filter; see the extender logs',
      },
    });
    expect(answer('prioritize', body, broken, deps)).toEqual({ status: 200, body: [] });
  });
});

describe('extenderRoutes over HTTP', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    const routes = extenderRoutes(verbs, { prefix: '/scheduler/', bodyLimitBytes: 1024 }, deps);
    server = http.createServer((req, res) => {
      if (!routes(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the verbs under the prefix with application/json and no ETag', async () => {
    const res = await fetch(`${base}/scheduler/filter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Pod: pod, NodeNames: ['fit-1'] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('etag')).toBeNull();
    expect(await res.text()).toBe(
      '{"NodeNames":["fit-1"],"FailedNodes":{},"FailedAndUnresolvableNodes":{},"Error":""}',
    );
  });

  it('refuses other methods with 405 and bodies above the limit with 413', async () => {
    const get = await fetch(`${base}/scheduler/prioritize`);
    expect(get.status).toBe(405);
    expect(await get.json()).toEqual({ Error: '/scheduler/prioritize takes POST, not GET' });
    const big = await fetch(`${base}/scheduler/filter`, { method: 'POST', body: 'x'.repeat(2000) });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ Error: 'request body exceeds 1024 bytes' });
  });

  it('leaves other paths to the server', async () => {
    expect((await fetch(`${base}/filter`, { method: 'POST', body: '{}' })).status).toBe(404);
  });
});
