/**
 * The project's rules for turning an operation into a tool: slug, access, version, toolset, paging.
 * Each rule lives here once; the generator applies them and commits the result.
 */

/** `SEGMENT_` + upper snake case, acronym runs kept whole. Must match src/registry/slug.ts (a test checks). */
export function slugOf(operationId) {
  const snake = operationId
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return `SEGMENT_${snake}`;
}

/** API tag -> toolset name for --toolsets: "Tracking Plans" -> "tracking-plans". */
export const toolsetOf = (tag) => tag.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/**
 * Operations that destroy or revoke although their method alone would say "write": regulations can
 * delete end-user data for good, and the replace* calls below drop every member, permission or rule
 * the caller leaves out.
 */
const DESTRUCTIVE_BY_EFFECT = new Set([
  'createWorkspaceRegulation',
  'createSourceRegulation',
  'createCloudSourceRegulation',
  'replacePermissionsForUser',
  'replacePermissionsForUserGroup',
  'replaceUsersInUserGroup',
  'replaceRulesInTrackingPlan',
  'replaceLabelsInSource',
]);

/** GET reads; DELETE, delete*, remove* and the list above destroy or revoke; the rest write. */
export function accessOf(method, operationId) {
  if (method === 'get') return 'read';
  if (method === 'delete' || /^(delete|remove)[A-Z]/.test(operationId) || DESTRUCTIVE_BY_EFFECT.has(operationId)) return 'destructive';
  return 'write';
}

/** The best version first: stable, then beta, then alpha, then plain JSON. */
export const MEDIA_PREFERENCE = [
  'application/vnd.segment.v1+json',
  'application/vnd.segment.v1beta+json',
  'application/vnd.segment.v1alpha+json',
  'application/json',
];

export function bestMediaType(offered) {
  return MEDIA_PREFERENCE.find((m) => offered.includes(m)) ?? offered.slice().sort()[0];
}

export function stabilityOf(mediaType) {
  if (mediaType.includes('v1alpha')) return 'alpha';
  if (mediaType.includes('v1beta')) return 'beta';
  return 'stable';
}

/**
 * Page sizes per pagination input, as the API states them. A new pagination input must be added
 * here (the generator stops otherwise), so a default can never exceed what the API takes.
 */
export const PAGE_LIMITS = {
  PaginationInput: { max: 1000 },
  ListAudiencesPaginationInput: { max: 200 },
  ListFiltersPaginationInput: { max: 10 },
};

/** The API's own default page size where pagination is optional; ours where it is required. */
export const DEFAULT_PAGE_SIZE = 200;

/** all_pages stops here and says so: a model cannot use an unbounded answer. */
export const ALL_PAGES_LIMITS = { maxPages: 25, maxItems: 5000 };
