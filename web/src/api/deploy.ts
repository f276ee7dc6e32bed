// Clusters and deployments (role orchestrator).
import { api, unwrap } from './client';
import type { components } from './schema';

export type ClusterPublic = components['schemas']['ClusterPublic'];
export type DeploymentPublic = components['schemas']['DeploymentPublic'];

export async function listClusters(): Promise<ClusterPublic[]> {
  return unwrap(await api.GET('/api/orchestrator/clusters'));
}

export async function listDeployments(graphId: string): Promise<DeploymentPublic[]> {
  return unwrap(await api.GET('/api/orchestrator/deployments', { params: { query: { graph_id: graphId } } })).items;
}

export async function deploy(graphId: string, cluster: string, version?: number): Promise<DeploymentPublic> {
  return unwrap(await api.POST('/api/orchestrator/deployments', { body: { graph_id: graphId, cluster, version: version ?? null, strategy: 'runner' } }));
}

export async function rollback(deploymentId: string): Promise<DeploymentPublic> {
  return unwrap(await api.POST('/api/orchestrator/deployments/{deployment_id}/rollback', {
    params: { path: { deployment_id: deploymentId } }, body: {},
  }));
}

export function deploymentEventsUrl(deploymentId: string): string {
  return `/api/orchestrator/deployments/${encodeURIComponent(deploymentId)}/events`;
}
