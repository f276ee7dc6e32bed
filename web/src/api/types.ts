// Names for the generated OpenAPI schemas the editor uses (see schema.d.ts; never edit that by hand).
import type { components } from './schema';

type Schemas = components['schemas'];

export type GraphSpec = Schemas['GraphSpec'];
export type NodeSpec = Schemas['NodeSpec'];
export type EdgeSpec = Schemas['EdgeSpec'];
export type IOField = Schemas['IOField'];
export type GraphPublic = Schemas['GraphPublic'];
export type GraphSummary = Schemas['GraphSummary'];
export type GraphVersionSummary = Schemas['GraphVersionSummary'];
export type NodeKindPublic = Schemas['NodeKindPublic'];
export type ValidationIssue = Schemas['ValidationIssue'];
