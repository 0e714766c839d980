/** Agents: who they are to the workspace and whether routing may give them work. */

export const AGENT_ROLES = ['agent', 'supervisor', 'admin'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];
/** Only `available` agents get new conversations; busy and offline ones keep what they hold. */
export const AGENT_STATUSES = ['available', 'busy', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
