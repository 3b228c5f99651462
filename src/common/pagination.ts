export const MAX_PAGE_SIZE = 100;
/** Keeps OFFSET within what PostgreSQL takes; cursors are the way deeper. */
export const MAX_PAGE = 10_000_000;

/** A page of a list read by offset (the CLI's listings). */
export interface Page {
  page: number;
  pageSize: number;
}
