/**
 * drillbook's search attributes, registered with the dev server at start (and, on a real cluster,
 * with `temporal operator search-attribute create`). Names are a contract: add, never rename.
 */
export const SEARCH_ATTRIBUTES = {
  DrillService: 'KeywordList',
  DrillMode: 'Keyword',
  DrillRunbook: 'Keyword',
  DrillPlanHash: 'Keyword',
  DrillInitiator: 'Keyword',
} as const;
