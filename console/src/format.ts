/** How times and names read in the console. */

export function clock(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function fullTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '';
}

export const STATUS_LABELS: Record<string, string> = {
  queued: 'Waiting',
  active: 'Active',
  pending: 'Pending',
  snoozed: 'Snoozed',
  resolved: 'Resolved',
  closed: 'Closed',
  abandoned: 'Abandoned',
};

/** Our own message's receipt, as a mark and the words a screen reader says. */
export const RECEIPTS: Record<string, { mark: string; label: string }> = {
  queued: { mark: '🕓', label: 'queued' },
  accepted: { mark: '🕓', label: 'accepted by the provider' },
  sent: { mark: '✓', label: 'sent' },
  delivered: { mark: '✓✓', label: 'delivered' },
  read: { mark: '✓✓', label: 'read' },
  failed: { mark: '⚠', label: 'failed' },
};
