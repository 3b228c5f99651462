import type { DataSource } from 'typeorm';

/** A node of EXPLAIN (ANALYZE, FORMAT JSON). */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows every scan of `relation` read in a plan (returned or filtered out), over all its loops. */
export function rowsRead(node: PlanNode, relation: string): number {
  const own =
    node['Relation Name'] === relation && node['Node Type'] !== 'ModifyTable'
      ? (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops']
      : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child, relation), 0);
}

/** The executed plan of `sql`, in a transaction that is rolled back (what it writes is undone). */
export async function executedPlan(
  dataSource: DataSource,
  sql: string,
  parameters: unknown[],
): Promise<PlanNode> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  try {
    const [{ 'QUERY PLAN': plan }] = (await runner.query(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      parameters,
    )) as [{ 'QUERY PLAN': [{ Plan: PlanNode }] }];
    return plan[0].Plan;
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}
