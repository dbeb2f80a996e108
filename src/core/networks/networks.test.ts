import { describe, expect, it } from 'vitest';
import type { Result } from '../problem.js';
import table from './fixtures/networks-cases.json' with { type: 'json' };
import {
  DEFAULT_NETWORK_ANNOTATION,
  isDns1123Label,
  isDns1123Subdomain,
  isInfinibandGuid,
  isInterfaceName,
  isIPAddress,
  isIPAddressOrCidr,
  isIPv4Address,
  isIPv6Address,
  isMacAddress,
  NETWORKS_ANNOTATION,
  type NetworkSelection,
  networkAnnotationForm,
  parseDefaultNetworkAnnotation,
  parseNetworkAnnotation,
  renderCommaForm,
} from './index.js';

interface TableCase {
  input: string;
  expect: { selections?: NetworkSelection[]; error?: string[] };
}

const NS = 'default';

function selections(value: string, defaultNamespace = NS): NetworkSelection[] {
  const result = parseNetworkAnnotation(value, defaultNamespace);
  if (!result.ok)
    throw new Error(`expected ${JSON.stringify(value)} to parse, got: ${result.problem.message}`);
  return result.value;
}

function message<T>(result: Result<T>): string {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  expect(result.problem.code).toBe('InvalidNetworkAnnotation');
  return result.problem.message;
}

const failure = (value: string, defaultNamespace = NS): string =>
  message(parseNetworkAnnotation(value, defaultNamespace));

/** One JSON element with `fields`, parsed; for the field-validation tables. */
const element = (fields: Record<string, unknown>): string => JSON.stringify([{ name: 'net1', ...fields }]);

describe('annotation keys', () => {
  it('are the keys Multus and network-resources-injector read', () => {
    expect(NETWORKS_ANNOTATION).toBe('k8s.v1.cni.cncf.io/networks');
    expect(DEFAULT_NETWORK_ANNOTATION).toBe('v1.multus-cni.io/default-network');
  });
});

describe('conformance table (NRI vs Multus vectors)', () => {
  const cases = (table.cases as TableCase[]).map((c) => [JSON.stringify(c.input), c] as const);
  it.each(cases)('%s', (_, c) => {
    const result = parseNetworkAnnotation(c.input, table.defaultNamespace);
    if (c.expect.selections !== undefined) {
      expect(result).toStrictEqual({ ok: true, value: c.expect.selections });
    } else {
      const text = message(result);
      for (const fragment of c.expect.error ?? []) expect(text).toContain(fragment);
    }
  });

  it('covers both outcomes', () => {
    const kinds = new Set((table.cases as TableCase[]).map((c) => (c.expect.error ? 'error' : 'ok')));
    expect(kinds).toStrictEqual(new Set(['ok', 'error']));
  });
});

describe('form detection', () => {
  it.each([
    ['net1', 'comma'],
    ['ns/net1@eth0,net2', 'comma'],
    ['null', 'comma'],
    ['[]', 'json'],
    ['{"name":"x"}', 'json'],
    ['net1"', 'json'],
    ['x[', 'json'],
  ] as const)('%s is %s', (value, form) => {
    expect(networkAnnotationForm(value)).toBe(form);
  });

  it.each(['', ' ', '\t\n ', '\u00a0'])('whitespace-only %j selects nothing', (value) => {
    expect(parseNetworkAnnotation(value, NS)).toStrictEqual({ ok: true, value: [] });
  });

  it('a stray quote makes the value JSON, and the JSON error says so', () => {
    expect(failure('net1"')).toContain('is not valid JSON');
  });
});

describe('comma form', () => {
  it('trims every part as Multus does', () => {
    expect(selections(' ns1 /  net1 @ eth1 ,\tnet2 ')).toStrictEqual([
      { namespace: 'ns1', name: 'net1', interface: 'eth1' },
      { namespace: NS, name: 'net2' },
    ]);
  });

  it('keeps the order and the repetitions of the annotation', () => {
    expect(selections('b,a,b@net9').map((s) => `${s.name}${s.interface ?? ''}`)).toStrictEqual([
      'b',
      'a',
      'bnet9',
    ]);
  });

  it('accepts 63-character labels and refuses 64', () => {
    const long = 'a'.repeat(63);
    expect(selections(`${long}/${long}`)).toStrictEqual([{ namespace: long, name: long }]);
    expect(failure(`${long}b/net1`)).toContain(`namespace "${long}b" must be a DNS-1123 label`);
    expect(failure(`ns/${long}b`)).toContain(`network name "${long}b" must be a DNS-1123 label`);
  });

  it.each([
    ['ns1/', 'network name is empty'],
    ['@eth0', 'network name is empty'],
    ['ns1/@eth0', 'network name is empty'],
    ['/', 'network name is empty'],
    ['-net', 'network name "-net" must be a DNS-1123 label'],
    ['net-', 'network name "net-" must be a DNS-1123 label'],
    ['net.a', 'network name "net.a" must be a DNS-1123 label'],
    ['net_a', 'network name "net_a" must be a DNS-1123 label'],
    ['Ns/net', 'namespace "Ns" must be a DNS-1123 label'],
    ['n s/net', 'namespace "n s" must be a DNS-1123 label'],
    ['ns/ne t', 'network name "ne t" must be a DNS-1123 label'],
  ])('%j fails: %s', (value, expected) => {
    expect(failure(value)).toContain(expected);
  });

  it('names the position of an empty element', () => {
    expect(failure(',net1')).toBe(
      'network annotation ",net1": element 1 is empty; expected [namespace/]name[@interface] between commas',
    );
    expect(failure('net1, ,net2')).toContain('element 2 is empty');
    expect(failure('net1,net2,')).toContain('element 3 is empty');
    expect(failure(',')).toContain('element 1 is empty');
  });

  it('reports the first bad element only', () => {
    const text = failure('net1,Bad,ns/x/y');
    expect(text).toContain('element 2 "Bad"');
    expect(text).not.toContain('element 3');
  });

  it('fills the default namespace it is given', () => {
    expect(selections('net1', 'kube-system')).toStrictEqual([{ namespace: 'kube-system', name: 'net1' }]);
    expect(selections('/net1', 'tenant-a')).toStrictEqual([{ namespace: 'tenant-a', name: 'net1' }]);
  });

  it('refuses an element without namespace when no default namespace is known', () => {
    expect(failure('net1', '')).toContain('names no namespace and no default namespace is known');
    expect(selections('ns1/net1', '')).toStrictEqual([{ namespace: 'ns1', name: 'net1' }]);
  });
});

describe('interface names', () => {
  it.each([
    'eth1',
    'my_interface',
    'eth0.100',
    'Eth1',
    'a',
    'a'.repeat(15),
    'net-1',
    'é'.repeat(7),
    'vlan#1',
  ])('accepts %j', (name) => {
    expect(isInterfaceName(name)).toBe(true);
    expect(selections(`net1@${name}`)).toStrictEqual([{ namespace: NS, name: 'net1', interface: name }]);
  });

  it.each([
    ['a'.repeat(16), '16 bytes'],
    ['é'.repeat(8), '8 characters but 16 bytes'],
    ['😀😀😀😀', '4 astral characters, 16 bytes'],
    ['.', 'the kernel refuses "."'],
    ['..', 'the kernel refuses ".."'],
    ['eth:1', "the kernel refuses ':'"],
    ['my ifc', 'space'],
    ['my\tifc', 'tab'],
    ['my\u00a0ifc', 'no-break space'],
    ['eth\u0000', 'NUL'],
    ['eth\u007f', 'DEL'],
    ['', 'empty (only meaningful as "absent")'],
  ])('refuses %j (%s)', (name) => {
    expect(isInterfaceName(name)).toBe(false);
  });

  it('counts bytes, not characters, as the kernel does', () => {
    expect(isInterfaceName(`${'é'.repeat(7)}a`)).toBe(true);
    expect(isInterfaceName(`${'é'.repeat(7)}ab`)).toBe(false);
  });

  it('quotes the interface and states the rule', () => {
    expect(failure('net1@my ifc')).toBe(
      'network annotation element 1 "net1@my ifc": interface name "my ifc" must be at most 15 bytes ' +
        `with no whitespace, control characters, '/' or ':', and not "." or ".."`,
    );
  });

  it('refuses a repeated interface name in either form, naming both elements', () => {
    expect(failure('net1@eth1,net2,net3@eth1')).toBe(
      'network annotation element 3 "net3@eth1": interface name "eth1" is already used by element 1; ' +
        'each attachment needs its own interface name',
    );
    expect(
      failure(
        JSON.stringify([
          { name: 'a', interface: 'eth1' },
          { name: 'b', interfaceRequest: 'eth1' },
        ]),
      ),
    ).toContain(
      'element 2 {"name":"b","interfaceRequest":"eth1"}: interface name "eth1" is already used by element 1',
    );
  });

  it('treats interface names case-sensitively, as Linux does', () => {
    expect(selections('a@eth1,b@ETH1').map((s) => s.interface)).toStrictEqual(['eth1', 'ETH1']);
  });
});

describe('JSON form: structure', () => {
  it.each([
    ['"net1"', 'got a string'],
    ['{"name":"net1"}', 'got an object'],
    ['[1] 2', 'is not valid JSON'],
    ['[{"name":"net1"},]', 'is not valid JSON'],
  ])('%s fails: %s', (value, expected) => {
    expect(failure(value)).toContain(expected);
  });

  it('requires a list and says how to write one', () => {
    expect(failure('{"name":"net1"}')).toBe(
      'network annotation "{\\"name\\":\\"net1\\"}" must be a JSON list of network selections, got an object; ' +
        'wrap it in brackets, e.g. [{"name":"net1"}]',
    );
  });

  it("includes the JSON parser's message in syntax errors", () => {
    const text = failure('[{"name": net1}]');
    expect(text).toMatch(
      /^network annotation "\[\{\\"name\\": net1\}\]" is not valid JSON \(.*Unexpected token/,
    );
    expect(text).toContain('expected a JSON list such as [{"name":"net1","interface":"eth1"}]');
  });

  it.each([
    ['[null]', 'element 1 null: must be an object with at least "name", got null'],
    ['[{"name":"a"},7]', 'element 2 7: must be an object with at least "name", got a number'],
    ['["net1"]', 'element 1 "net1": must be an object with at least "name", got a string'],
    ['[[{"name":"a"}]]', 'element 1 [{"name":"a"}]: must be an object with at least "name", got a list'],
    ['[true]', 'element 1 true: must be an object with at least "name", got a boolean'],
  ])('refuses the non-object element %s', (value, expected) => {
    expect(failure(value)).toBe(`network annotation ${expected}`);
  });

  it.each([
    ['[{}]', 'element 1 {}: "name" is required', 'it is missing'],
    ['[{"name":""}]', 'element 1 {"name":""}: "name" is required', 'got a string ""'],
    ['[{"name":null}]', '"name" is required', 'got null'],
    ['[{"name":7}]', '"name" is required', 'got a number 7'],
    ['[{"name":["a"]}]', '"name" is required', 'got a list'],
    [
      '[{"name":"a"},{"namespace":"ns"}]',
      'element 2 {"namespace":"ns"}: "name" is required',
      'it is missing',
    ],
  ])('refuses a missing or empty name: %s', (value, ...fragments) => {
    const text = failure(value);
    for (const fragment of fragments) expect(text).toContain(fragment);
  });

  it('accepts a dotted name (a valid Kubernetes object name) and refuses names Kubernetes would refuse', () => {
    expect(selections('[{"name":"sriov.net-a"}]')).toStrictEqual([{ namespace: NS, name: 'sriov.net-a' }]);
    expect(failure('[{"name":"Net1"}]')).toContain('network name "Net1" must be a DNS-1123 subdomain');
    expect(failure('[{"name":"net..a"}]')).toContain('must be a DNS-1123 subdomain');
    expect(failure(`[{"name":"${'a'.repeat(254)}"}]`)).toContain('must be a DNS-1123 subdomain');
  });

  it.each([
    [{ namespace: '' }, NS],
    [{ namespace: null }, NS],
    [{ namespace: 'ns1' }, 'ns1'],
  ])('namespace %j resolves to %s', (fields, namespace) => {
    expect(selections(element(fields))).toStrictEqual([{ namespace, name: 'net1' }]);
  });

  it.each([
    [{ namespace: 7 }, '"namespace" must be a string, got a number 7'],
    [{ namespace: 'Ns1' }, 'namespace "Ns1" must be a DNS-1123 label'],
    [{ namespace: 'a.b' }, 'namespace "a.b" must be a DNS-1123 label'],
  ])('refuses namespace %j', (fields, expected) => {
    expect(failure(element(fields))).toContain(expected);
  });

  it('prefers "interface", falls back to the deprecated "interfaceRequest"', () => {
    expect(selections(element({ interface: 'eth1', interfaceRequest: 'eth2' }))[0]?.interface).toBe('eth1');
    expect(selections(element({ interface: '', interfaceRequest: 'eth2' }))[0]?.interface).toBe('eth2');
    expect(selections(element({ interfaceRequest: 'eth2' }))[0]?.interface).toBe('eth2');
    expect(selections(element({ interface: '' }))).toStrictEqual([{ namespace: NS, name: 'net1' }]);
    expect(failure(element({ interface: 5 }))).toContain('"interface" must be a string, got a number 5');
    expect(failure(element({ interfaceRequest: 'bad name' }))).toContain('interface name "bad name"');
    expect(failure(element({ interface: 'eth0:1' }))).toContain('interface name "eth0:1"');
  });

  it('ignores unknown and vendor keys', () => {
    expect(
      selections(element({ 'org.example.color': 'blue', foo: [1, { b: 2 }], Name: 'other' })),
    ).toStrictEqual([{ namespace: NS, name: 'net1' }]);
  });

  it('does not overflow on deeply nested input', () => {
    const depth = 100_000;
    expect(failure('['.repeat(depth))).toContain('is not valid JSON');
    const nested = `[{"name":"net1","cni-args":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]`;
    expect(selections(nested)[0]?.name).toBe('net1');
    const unnamed = `[${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}]`;
    const text = failure(unnamed);
    expect(text).toContain('"name" is required');
    expect(text.length).toBeLessThan(400);
  });
});

describe('JSON form: field validation', () => {
  const full: NetworkSelection = {
    namespace: 'ns1',
    name: 'sriov-a',
    interface: 'net1',
    mac: '02:00:00:00:00:01',
    infinibandGuid: '00:11:22:33:44:55:66:77',
    defaultRoute: ['10.1.1.1', 'fd00::1'],
    cniArgs: { vlan: 100, trust: 'on', nested: { a: [1, 2] } },
    portMappings: [
      { hostPort: 8080, containerPort: 80, protocol: 'TCP' },
      { hostPort: 5353, containerPort: 53, protocol: 'UDP', hostIP: '192.168.1.10' },
    ],
    bandwidth: { ingressRate: 1_000_000, ingressBurst: 100_000, egressRate: 2_000_000 },
    deviceID: '0000:3b:00.2',
    ipamClaimReference: 'claim-a',
  };

  it('maps every spec key onto the selection', () => {
    const annotation = JSON.stringify([
      {
        name: 'sriov-a',
        namespace: 'ns1',
        interface: 'net1',
        mac: '02:00:00:00:00:01',
        'infiniband-guid': '00:11:22:33:44:55:66:77',
        'default-route': ['10.1.1.1', 'fd00::1'],
        'cni-args': { vlan: 100, trust: 'on', nested: { a: [1, 2] } },
        portMappings: [
          { hostPort: 8080, containerPort: 80 },
          { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: '192.168.1.10' },
        ],
        bandwidth: { ingressRate: 1_000_000, ingressBurst: 100_000, egressRate: 2_000_000 },
        deviceID: '0000:3b:00.2',
        'ipam-claim-reference': 'claim-a',
      },
    ]);
    expect(selections(annotation)).toStrictEqual([full]);
  });

  it.each([
    'mac',
    'infiniband-guid',
    'ips',
    'default-route',
    'cni-args',
    'portMappings',
    'bandwidth',
    'deviceID',
    'ipam-claim-reference',
  ])('treats "%s": null as absent, as Go decoding does', (key) => {
    expect(selections(element({ [key]: null }))).toStrictEqual([{ namespace: NS, name: 'net1' }]);
  });

  it.each(['mac', 'infiniband-guid', 'deviceID', 'ipam-claim-reference'])(
    'treats "%s": "" as absent',
    (key) => {
      expect(selections(element({ [key]: '' }))).toStrictEqual([{ namespace: NS, name: 'net1' }]);
    },
  );

  describe('ips', () => {
    it.each([
      [['10.1.1.1']],
      [['10.1.1.1/24', 'fd00::10/64']],
      [['::ffff:10.1.1.1', '2001:db8::1', '::', '0.0.0.0/0', '::/0']],
    ])('accepts %j', (ips) => {
      expect(selections(element({ ips }))[0]?.ips).toStrictEqual(ips);
    });

    it.each([
      [
        [],
        'must be a non-empty list of strings, each an IPv4 or IPv6 address, optionally /prefix; got an empty list',
      ],
      [
        '10.1.1.1',
        'must be a non-empty list of strings, each an IPv4 or IPv6 address, optionally /prefix; got a string',
      ],
      [{ a: 1 }, 'got an object'],
      [
        ['10.1.1.1', 3],
        '"ips" entry 2 must be a string, an IPv4 or IPv6 address, optionally /prefix; got a number 3',
      ],
      [['10.1.1.1/33'], '"ips" entry 1 "10.1.1.1/33" must be an IPv4 or IPv6 address'],
      [['fd00::1/129'], '"ips" entry 1 "fd00::1/129"'],
      [['10.1.1.1/'], '"ips" entry 1 "10.1.1.1/"'],
      [['10.1.1.1/24/8'], '"ips" entry 1 "10.1.1.1/24/8"'],
      [['010.1.1.1'], '"ips" entry 1 "010.1.1.1"'],
      [['fe80::1%eth0'], '"ips" entry 1 "fe80::1%eth0"'],
      [['host.example'], '"ips" entry 1 "host.example"'],
    ])('refuses %j', (ips, expected) => {
      expect(failure(element({ ips }))).toContain(expected);
    });
  });

  describe('mac and infiniband-guid', () => {
    it.each(['02:00:00:00:00:01', '02-00-00-00-00-0A', 'aa:BB:cc:DD:ee:FF'])('accepts the MAC %s', (mac) => {
      expect(selections(element({ mac }))[0]?.mac).toBe(mac);
    });

    it.each([
      'zz',
      '02:00:00:00:00',
      '02:00:00:00:00:01:02',
      '02:00-00:00:00:01',
      '0200.0000.0001',
      '2:0:0:0:0:1',
    ])('refuses the MAC %s', (mac) => {
      expect(failure(element({ mac }))).toContain(
        `"mac" "${mac}" must be a 6-byte MAC address such as 02:00:00:00:00:01`,
      );
    });

    it('refuses a MAC of the wrong type', () => {
      expect(failure(element({ mac: 2 }))).toContain('"mac" must be a string, got a number 2');
    });

    it.each(['00:11:22:33:44:55:66:77', '00-11-22-33-44-55-66-77'])('accepts the GUID %s', (guid) => {
      expect(selections(element({ 'infiniband-guid': guid }))[0]?.infinibandGuid).toBe(guid);
    });

    it.each(['02:00:00:00:00:01', '00:11:22:33:44:55:66:77:88', 'guid'])('refuses the GUID %s', (guid) => {
      expect(failure(element({ 'infiniband-guid': guid }))).toContain(
        `"infiniband-guid" "${guid}" must be an 8-byte GUID`,
      );
    });
  });

  describe('default-route', () => {
    it('takes gateway addresses, not prefixes', () => {
      expect(selections(element({ 'default-route': ['10.1.1.254'] }))[0]?.defaultRoute).toStrictEqual([
        '10.1.1.254',
      ]);
      expect(failure(element({ 'default-route': ['10.1.1.0/24'] }))).toContain(
        '"default-route" entry 1 "10.1.1.0/24" must be an IPv4 or IPv6 address',
      );
      expect(failure(element({ 'default-route': [] }))).toContain('"default-route" must be a non-empty list');
      expect(failure(element({ 'default-route': '10.1.1.1' }))).toContain('got a string');
    });

    it('may be carried by one element only', () => {
      const annotation = JSON.stringify([
        { name: 'a', 'default-route': ['10.1.1.1'] },
        { name: 'b' },
        { name: 'c', 'default-route': ['fd00::1'] },
      ]);
      expect(failure(annotation)).toBe(
        'network annotation element 3 {"name":"c","default-route":["fd00::1"]}: "default-route" is already set ' +
          'by element 1; at most one network may carry the default route',
      );
    });
  });

  describe('cni-args', () => {
    it.each([
      [[1], 'a list'],
      ['vlan=1', 'a string'],
      [3, 'a number'],
    ])('refuses %j', (cniArgs, got) => {
      expect(failure(element({ 'cni-args': cniArgs }))).toContain(`"cni-args" must be an object, got ${got}`);
    });

    it('passes an object through unchanged', () => {
      const cniArgs = { a: 1, b: { c: [true, null] } };
      expect(selections(element({ 'cni-args': cniArgs }))[0]?.cniArgs).toStrictEqual(cniArgs);
    });
  });

  describe('portMappings', () => {
    it.each([
      ['tcp', 'TCP'],
      ['Udp', 'UDP'],
      ['SCTP', 'SCTP'],
      ['', 'TCP'],
      [null, 'TCP'],
    ])('protocol %j becomes %s', (protocol, expected) => {
      const mapping = { hostPort: 1, containerPort: 65535, protocol };
      expect(selections(element({ portMappings: [mapping] }))[0]?.portMappings).toStrictEqual([
        { hostPort: 1, containerPort: 65535, protocol: expected },
      ]);
    });

    it('keeps an empty list', () => {
      expect(selections(element({ portMappings: [] }))[0]?.portMappings).toStrictEqual([]);
    });

    it.each([
      [{}, '"portMappings" must be a list of objects, got an object'],
      [[5], '"portMappings" entry 1 must be an object, got a number'],
      [
        [{ containerPort: 80 }],
        '"portMappings" entry 1: "hostPort" must be an integer from 1 to 65535; it is missing',
      ],
      [[{ hostPort: 80 }], '"containerPort" must be an integer from 1 to 65535; it is missing'],
      [[{ hostPort: 0, containerPort: 80 }], '"hostPort" must be an integer from 1 to 65535; got a number 0'],
      [
        [{ hostPort: 65536, containerPort: 80 }],
        '"hostPort" must be an integer from 1 to 65535; got a number 65536',
      ],
      [
        [{ hostPort: 80, containerPort: 8.5 }],
        '"containerPort" must be an integer from 1 to 65535; got a number 8.5',
      ],
      [
        [{ hostPort: '80', containerPort: 80 }],
        '"hostPort" must be an integer from 1 to 65535; got a string "80"',
      ],
      [[{ hostPort: 80, containerPort: 80, protocol: 'icmp' }], '"protocol" "icmp" must be TCP, UDP or SCTP'],
      [[{ hostPort: 80, containerPort: 80, protocol: 6 }], '"protocol" must be a string, got a number 6'],
      [[{ hostPort: 80, containerPort: 80, hostIP: 'x' }], '"hostIP" "x" must be an IPv4 or IPv6 address'],
      [
        [
          { hostPort: 80, containerPort: 80 },
          { hostPort: 81, containerPort: -1 },
        ],
        '"portMappings" entry 2: "containerPort"',
      ],
    ])('refuses %j', (portMappings, expected) => {
      expect(failure(element({ portMappings }))).toContain(expected);
    });
  });

  describe('bandwidth', () => {
    it('accepts any combination where each burst has its rate', () => {
      const bandwidth = { ingressRate: 0, egressRate: 10, egressBurst: 5 };
      expect(selections(element({ bandwidth }))[0]?.bandwidth).toStrictEqual(bandwidth);
      expect(selections(element({ bandwidth: {} }))[0]?.bandwidth).toStrictEqual({});
      expect(selections(element({ bandwidth: { ingressRate: null, x: 'y' } }))[0]?.bandwidth).toStrictEqual(
        {},
      );
    });

    it.each([
      [[], '"bandwidth" must be an object, got a list'],
      [{ ingressRate: -1 }, '"bandwidth" "ingressRate" must be a non-negative integer, got a number -1'],
      [{ egressRate: 1.5 }, '"bandwidth" "egressRate" must be a non-negative integer, got a number 1.5'],
      [{ egressRate: '1M' }, '"bandwidth" "egressRate" must be a non-negative integer, got a string "1M"'],
      [{ ingressBurst: 10 }, '"bandwidth" sets "ingressBurst" without "ingressRate"; a burst needs its rate'],
      [{ ingressRate: 1, egressBurst: 10 }, '"bandwidth" sets "egressBurst" without "egressRate"'],
    ])('refuses %j', (bandwidth, expected) => {
      expect(failure(element({ bandwidth }))).toContain(expected);
    });
  });

  describe('deviceID and ipam-claim-reference', () => {
    it('take strings', () => {
      expect(selections(element({ deviceID: '0000:af:00.1' }))[0]?.deviceID).toBe('0000:af:00.1');
      expect(failure(element({ deviceID: 1 }))).toContain('"deviceID" must be a string, got a number 1');
      expect(failure(element({ 'ipam-claim-reference': { name: 'c' } }))).toContain(
        '"ipam-claim-reference" must be a string, got an object',
      );
    });

    it('refuses an IPAM claim together with static addresses', () => {
      expect(failure(element({ ips: ['10.1.1.1'], 'ipam-claim-reference': 'claim-a' }))).toBe(
        'network annotation element 1 {"name":"net1","ips":["10.1.1.1"],"ipam-claim-reference":"claim-a"}: ' +
          '"ipam-claim-reference" cannot be combined with "ips"; request addresses one way or the other',
      );
    });
  });
});

describe('error messages', () => {
  it('quote long elements cut to about 100 characters', () => {
    const item = `net1@${'x'.repeat(300)}`;
    const text = failure(item);
    expect(text).toContain(`element 1 "${item.slice(0, 100)}…"`);
    expect(text.length).toBeLessThan(400);
  });

  it('escape quotes and control characters in what they quote', () => {
    const text = failure('[{"name":"a\\"b\\n"}]');
    expect(text).toContain('network name "a\\"b\\n" must be a DNS-1123 subdomain');
  });

  it('never cut a surrogate pair in half', () => {
    const item = `net1@${'x'.repeat(94)}😀tail`;
    const text = failure(item);
    expect(text).toContain(`"net1@${'x'.repeat(94)}…"`);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(text)).toBe(false);
  });

  it('stay short on a huge annotation', () => {
    const huge = `[${Array.from({ length: 5000 }, (_, i) => `{"name":"n${i}","pad":"${'p'.repeat(40)}"}`).join(',')}, 1]`;
    const text = failure(huge);
    expect(text).toContain('element 5001 1: must be an object');
    expect(text.length).toBeLessThan(300);
  });
});

describe('default-network annotation', () => {
  it.each([
    ['kube-system/calico', { namespace: 'kube-system', name: 'calico' }],
    ['calico', { namespace: 'multus-ns', name: 'calico' }],
    ['[{"name":"calico","namespace":"kube-system"}]', { namespace: 'kube-system', name: 'calico' }],
    ['calico@eth0', { namespace: 'multus-ns', name: 'calico', interface: 'eth0' }],
  ])('%s names one network', (value, expected) => {
    expect(parseDefaultNetworkAnnotation(value, 'multus-ns')).toStrictEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'found none'],
    ['[]', 'found none'],
    ['a,b', 'found 2'],
    ['[{"name":"a"},{"name":"b"},{"name":"c"}]', 'found 3'],
  ])('%j fails: %s', (value, found) => {
    expect(message(parseDefaultNetworkAnnotation(value, 'multus-ns'))).toBe(
      `default-network annotation ${JSON.stringify(value)} must name exactly one network; ${found}, ` +
        'expected e.g. "namespace/name" or [{"name":"name"}]',
    );
  });

  it('names itself in parse errors', () => {
    expect(message(parseDefaultNetworkAnnotation('Calico', 'kube-system'))).toBe(
      'default-network annotation element 1 "Calico": network name "Calico" must be a DNS-1123 label: ' +
        "at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit",
    );
  });
});

describe('renderCommaForm', () => {
  it('writes namespace/name and the interface only when present', () => {
    expect(
      renderCommaForm([
        { namespace: 'ns1', name: 'net1', interface: 'eth1' },
        { namespace: 'default', name: 'net2' },
      ]),
    ).toBe('ns1/net1@eth1,default/net2');
    expect(renderCommaForm([])).toBe('');
  });

  it('drops what only the JSON form can carry', () => {
    const [selection] = selections(element({ interface: 'eth1', mac: '02:00:00:00:00:01' }));
    expect(renderCommaForm([selection!])).toBe('default/net1@eth1');
  });
});

describe('validators', () => {
  it.each([
    ['a', true],
    ['a-b', true],
    ['0', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['', false],
    ['A', false],
    ['a_b', false],
    ['a.b', false],
    ['-a', false],
  ])('isDns1123Label(%j) is %s', (s, expected) => {
    expect(isDns1123Label(s)).toBe(expected);
  });

  it.each([
    ['a.b-c.d', true],
    ['a'.repeat(253), true],
    ['a'.repeat(254), false],
    ['a..b', false],
    ['.a', false],
    ['a.', false],
  ])('isDns1123Subdomain(%j) is %s', (s, expected) => {
    expect(isDns1123Subdomain(s)).toBe(expected);
  });

  it.each([
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['10.0.0.1', true],
    ['256.0.0.1', false],
    ['1.2.3', false],
    ['1.2.3.4.5', false],
    ['01.2.3.4', false],
    ['1.2.3.-4', false],
    ['1.2.3.4 ', false],
    ['١.٢.٣.٤', false],
  ])('isIPv4Address(%j) is %s', (s, expected) => {
    expect(isIPv4Address(s)).toBe(expected);
  });

  it.each([
    ['::', true],
    ['::1', true],
    ['1::', true],
    ['2001:db8::8a2e:370:7334', true],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', true],
    ['1:2:3:4:5:6:7::', true],
    ['::2:3:4:5:6:7:8', true],
    ['::ffff:192.0.2.1', true],
    ['1:2:3:4:5:6:192.0.2.1', true],
    ['::192.0.2.1', true],
    ['FE80::ABCD', true],
    ['1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7', false],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1::2:3:4:5:6:7:8', false],
    ['1::2::3', false],
    [':::', false],
    ['1:::2', false],
    [':1::', false],
    ['1::2:', false],
    ['12345::', false],
    ['g::', false],
    ['1.2.3.4::', false],
    ['::1.2.3.4:5', false],
    ['1:2:3:4:5:6:7:1.2.3.4', false],
    ['::ffff:256.0.0.1', false],
    ['fe80::1%eth0', false],
    ['', false],
  ])('isIPv6Address(%j) is %s', (s, expected) => {
    expect(isIPv6Address(s)).toBe(expected);
  });

  it('accepts either family, and prefixes only where asked', () => {
    expect(isIPAddress('10.0.0.1')).toBe(true);
    expect(isIPAddress('::1')).toBe(true);
    expect(isIPAddress('10.0.0.0/8')).toBe(false);
    expect(isIPAddressOrCidr('10.0.0.0/8')).toBe(true);
    expect(isIPAddressOrCidr('10.0.0.0/32')).toBe(true);
    expect(isIPAddressOrCidr('10.0.0.0/33')).toBe(false);
    expect(isIPAddressOrCidr('::/128')).toBe(true);
    expect(isIPAddressOrCidr('::/129')).toBe(false);
    expect(isIPAddressOrCidr('::/08')).toBe(false);
    expect(isIPAddressOrCidr('/8')).toBe(false);
  });

  it('tell MACs from GUIDs by length', () => {
    expect(isMacAddress('02:00:00:00:00:01')).toBe(true);
    expect(isInfinibandGuid('02:00:00:00:00:01')).toBe(false);
    expect(isMacAddress('00:11:22:33:44:55:66:77')).toBe(false);
    expect(isInfinibandGuid('00:11:22:33:44:55:66:77')).toBe(true);
  });
});
