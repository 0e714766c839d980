import { api } from './api.js';
import type { Agent, Channel, Contact, Label, Page, Queue } from './types.js';

/** The workspace's names the views show beside ids: channels, agents, queues, labels. */
export interface Directory {
  channels: Channel[];
  agents: Agent[];
  queues: Queue[];
  labels: Label[];
}

export async function loadDirectory(): Promise<Directory> {
  const [channels, agents, queues, labels] = await Promise.all([
    api<{ data: Channel[] }>('GET', '/v1/channels'),
    api<Page<Agent>>('GET', '/v1/agents?limit=200'),
    api<{ data: Queue[] }>('GET', '/v1/queues'),
    api<Page<Label>>('GET', '/v1/labels?limit=200'),
  ]);
  return { channels: channels.data, agents: agents.data, queues: queues.data, labels: labels.data };
}

export const nameOf = <T extends { id: string; name: string }>(list: T[] | undefined, id: string | null, fallback = '') =>
  (id && list?.find((x) => x.id === id)?.name) ?? fallback;

/** Contacts by id, fetched once each and shared by the views (the list shows names beside ids). */
export class ContactCache {
  private readonly known = new Map<string, Promise<Contact>>();

  get(id: string): Promise<Contact> {
    let found = this.known.get(id);
    if (!found) {
      found = api<Contact>('GET', `/v1/contacts/${id}?limit=1`);
      this.known.set(id, found);
      found.catch(() => this.known.delete(id));
    }
    return found;
  }
}

export const contactName = (c: Contact | undefined) => c?.name ?? c?.phone ?? c?.email ?? 'Unknown contact';
