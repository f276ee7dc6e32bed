import type { NodeKindPublic } from '../api/types';

export type KindMap = Record<string, NodeKindPublic>;

export interface PortInfo {
  name: string;
  type: string;
  required: boolean;
  description: string;
}

export function ports(list: Record<string, unknown>[] | undefined): PortInfo[] {
  return (list ?? []).map((p) => ({
    name: String(p.name),
    type: String(p.type ?? 'any'),
    required: Boolean(p.required ?? true),
    description: String(p.description ?? ''),
  }));
}

function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.length > 0) : [];
}

/**
 * The branch labels a node routes between, or null when its kind does not branch.
 * Static kinds list them; dynamic ones derive them from config as their runtime does
 * (router: route names + default; supervisor: members + "done").
 */
export function branchLabels(kind: NodeKindPublic | undefined, config: Record<string, unknown>): string[] | null {
  if (!kind) return null;
  if (kind.branches) return [...kind.branches];
  if (!kind.dynamic_branches) return null;
  if (kind.name === 'router') {
    const routes = Array.isArray(config.routes) ? config.routes : [];
    const routeNames = routes
      .map((r) => (r && typeof r === 'object' ? (r as { name?: unknown }).name : undefined))
      .filter((n): n is string => typeof n === 'string' && n.length > 0);
    const fallback = typeof config.default === 'string' && config.default ? config.default : 'default';
    return [...routeNames, fallback];
  }
  if (kind.name === 'supervisor') return [...names(config.members), 'done'];
  // A dynamic kind the editor does not know: any branch name the user types is accepted.
  return [];
}

export const CATEGORY_ORDER = ['io', 'agents', 'tools', 'data', 'control'];
export const CATEGORY_TITLES: Record<string, string> = {
  io: 'Input / output',
  agents: 'Agents',
  tools: 'Tools',
  data: 'Data',
  control: 'Control flow',
};
