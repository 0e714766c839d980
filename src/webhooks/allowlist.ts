import { LRUCache } from 'lru-cache';
import { Types } from 'mongoose';
import { z } from 'zod';
import { badRequest } from '../errors.js';
import type { WorkspaceSettings } from '../workspaces/workspace-settings.js';
import { guardedAgents, type GuardedAgents } from './connect-guard.js';
import { assertPublicHost, ForbiddenWebhookUrlError, isValidAllowlistEntry, systemLookup, webhookHostOf, type Lookup } from './url-guard.js';

/**
 * A workspace's `webhookAllowedHosts`: hostnames, IP addresses or CIDRs; among the private
 * targets the operator allows, the only ones its webhooks may reach (empty: all of those).
 */
export const webhookAllowedHostsSchema = z
  .array(z.string().trim().min(1).max(253).refine(isValidAllowlistEntry, 'must be a hostname, an IP address or a CIDR'))
  .max(100);

/**
 * Decides whether a workspace's webhooks (subscriptions, automation rule calls) may reach a URL:
 * public addresses always; private or loopback ones only when the operator allowlists them
 * (WEBHOOK_ALLOWED_HOSTS), and then, if the workspace has its own list
 * (`settings.webhookAllowedHosts`), only those it names: a workspace admin may narrow what the
 * operator allows, never widen it. The workspace's list comes from the shared settings cache, and
 * only for a target that is not public. A request decides again as it connects (agentsFor), since
 * a name may resolve differently by then.
 */
export class WebhookTargetGuard {
  constructor(
    private readonly workspaceSettings: Pick<WorkspaceSettings, 'of'>,
    private readonly instanceHosts: string[],
    private readonly lookup: Lookup = systemLookup,
    agentPairsKept = 500,
  ) {
    this.agents = new LRUCache({ max: agentPairsKept });
  }

  /**
   * The agents of the workspaces that sent webhooks lately: a bounded set, so thousands of
   * workspaces do not each keep a pair for the life of the process. A dropped pair is not
   * destroyed (a request may still be using it); its idle sockets time out and it is collected.
   */
  private readonly agents: LRUCache<string, GuardedAgents>;

  /** Throws ForbiddenWebhookUrlError for a target the workspace may not reach; DNS errors propagate. */
  async assertAllowed(workspaceId: Types.ObjectId | string, url: string): Promise<void> {
    // The name is resolved once, however many of the lists it is checked against.
    await this.assertHostAllowed(workspaceId, webhookHostOf(url), resolvedOnce(this.lookup));
  }

  /**
   * assertAllowed, then the agents every request to `url` must go through: each socket's
   * addresses are resolved and checked again as it connects, and it connects to exactly those.
   * A refusal there is the same ForbiddenWebhookUrlError, marked as made at connect time.
   */
  async agentsFor(workspaceId: Types.ObjectId | string, url: string): Promise<GuardedAgents> {
    await this.assertAllowed(workspaceId, url);
    const key = String(workspaceId);
    let agents = this.agents.get(key);
    if (!agents) {
      agents = this.connectCheckedAgents(workspaceId);
      this.agents.set(key, agents);
    }
    return agents;
  }

  /** One pair per workspace, whose sockets are kept alive: each was checked when it connected. */
  private connectCheckedAgents(workspaceId: Types.ObjectId | string): GuardedAgents {
    return guardedAgents(async (host) => {
      const addresses = await this.lookup(host);
      try {
        await this.assertHostAllowed(workspaceId, host, async () => addresses);
      } catch (err) {
        if (err instanceof ForbiddenWebhookUrlError) throw new ForbiddenWebhookUrlError(`${err.message} (at connect time)`);
        throw err;
      }
      return addresses;
    });
  }

  private async assertHostAllowed(workspaceId: Types.ObjectId | string, host: string, lookup: Lookup): Promise<void> {
    try {
      await assertPublicHost(host, { lookup });
      return;
    } catch (err) {
      if (!(err instanceof ForbiddenWebhookUrlError)) throw err;
    }
    await assertPublicHost(host, { allowlist: this.instanceHosts, lookup });
    const own = (await this.workspaceSettings.of(new Types.ObjectId(String(workspaceId))))?.settings?.webhookAllowedHosts ?? [];
    if (own.length > 0) await assertPublicHost(host, { allowlist: own, lookup });
  }

  /**
   * assertAllowed for a URL an admin is configuring (a subscription, a rule's webhook action):
   * any failure, a name that does not resolve included, is the caller's to fix, so it is a 400.
   */
  async assertConfigurable(workspaceId: Types.ObjectId, url: string): Promise<void> {
    await this.assertAllowed(workspaceId, url).catch((err: Error) => {
      throw badRequest('webhook_url_forbidden', err.message);
    });
  }
}

/** `lookup`, asked at most once per host for the checks of one URL. */
function resolvedOnce(lookup: Lookup): Lookup {
  const answers = new Map<string, Promise<string[]>>();
  return (host) => {
    if (!answers.has(host)) answers.set(host, lookup(host));
    return answers.get(host)!;
  };
}
