import { clearInterval, setInterval } from 'node:timers';
import { Resolver } from 'node:dns/promises';

/** DNS discovery: the nodes behind a name's A or SRV records (a Kubernetes headless service), re-polled. */
export interface DnsDiscovery {
  /** The DNS name to resolve, e.g. `shop-headless.default.svc.cluster.local`. */
  name: string;
  /** `A`: each address is a host; `SRV`: each record's target is a host (its port is not used: the port mapper finds nodes). */
  type: 'A' | 'SRV';
  /** The name part of every discovered node: a record for host h gives node `nodeName@h`. */
  nodeName: string;
  /** DNS servers (`ip` or `ip:port`) to ask instead of the system's (node:dns Resolver#setServers). */
  servers?: string[];
}

/** Where a node finds the others it connects to (as libcluster's strategies). */
export interface DiscoveryOptions {
  /** Nodes to connect to, e.g. `['a@10.0.0.1', 'b@10.0.0.2']` (node.args `--connect a@h,b@h`). */
  static?: string[];
  /** Nodes found through DNS records. */
  dns?: DnsDiscovery;
  /** How often the list and the records are polled again, in ms (default 5000): new nodes get connected. */
  interval?: number;
}

/** The node names a DNS answer stands for (pure): one per distinct host, never this node itself. */
export function nodesFromRecords(hosts: string[], nodeName: string, self: string): string[] {
  const names = [...new Set(hosts.map((h) => `${nodeName}@${h.replace(/\.$/, '')}`))];
  return names.filter((n) => n !== self).sort();
}

/** Resolves the hosts behind a DNS discovery entry; an unknown name is no hosts. */
export async function resolveHosts(dns: DnsDiscovery): Promise<string[]> {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  if (dns.servers) resolver.setServers(dns.servers);
  try {
    if (dns.type === 'A') return await resolver.resolve4(dns.name);
    return (await resolver.resolveSrv(dns.name)).map((r) => r.name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
    throw error;
  }
}

/** Polls the configured sources and connects to every node found that is not connected yet. */
export class Discovery {
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private lastError = '';

  constructor(
    private readonly options: DiscoveryOptions,
    private readonly self: string,
    private readonly connect: (node: string) => Promise<unknown>,
    private readonly log: (line: string) => void,
  ) {}

  /** Polls now, then at every interval. */
  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.interval ?? 5000);
    this.timer.unref();
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round: the nodes found (connections are attempted in parallel, failures are retried next round). */
  poll(): Promise<void> {
    this.polling ??= this.round().finally(() => (this.polling = null));
    return this.polling;
  }

  private async round(): Promise<void> {
    const found = [...(this.options.static ?? []).filter((n) => n !== this.self)];
    const dns = this.options.dns;
    if (dns) {
      try {
        found.push(...nodesFromRecords(await resolveHosts(dns), dns.nodeName, this.self));
        this.lastError = '';
      } catch (error) {
        const line = `distribution: DNS discovery of ${dns.name} (${dns.type}) failed: ${(error as Error).message}; retrying every ${this.options.interval ?? 5000} ms`;
        if (line !== this.lastError) this.log(line);
        this.lastError = line;
      }
    }
    await Promise.all(found.map((n) => this.connect(n)));
  }
}
