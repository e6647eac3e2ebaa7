// Resolves an embed (`author(*)`, `books!books_author_fk(*)`) to a foreign-key relationship, as PostgREST does:
// many-to-one and one-to-one become objects, one-to-many becomes an array (supabase-api.md §3.3).
import { RestError } from './errors.ts';
import { key, type ForeignKey, type SchemaSnapshot, type TableInfo } from './schema_cache.ts';

export interface Relationship {
  target: TableInfo;
  fk: ForeignKey;
  toMany: boolean;
  cardinality: 'many-to-one' | 'one-to-one' | 'one-to-many';
  /** Column pairs joining the embedding table (source) to the embedded one (target). */
  pairs: { source: string; target: string }[];
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function isUnique(table: TableInfo, columns: string[]): boolean {
  return table.uniques.some((u) => sameSet(u, columns));
}

export function candidateRelationships(snap: SchemaSnapshot, source: TableInfo, target: TableInfo): Relationship[] {
  const out: Relationship[] = [];
  for (const fk of snap.fks) {
    const fromSource = fk.schema === source.schema && fk.table === source.name;
    const toTarget = fk.refSchema === target.schema && fk.refTable === target.name;
    if (fromSource && toTarget) {
      out.push({
        target,
        fk,
        toMany: false,
        cardinality: isUnique(source, fk.columns) ? 'one-to-one' : 'many-to-one',
        pairs: fk.columns.map((c, i) => ({ source: c, target: fk.refColumns[i]! }))
      });
    }
    const fromTarget = fk.schema === target.schema && fk.table === target.name;
    const toSource = fk.refSchema === source.schema && fk.refTable === source.name;
    if (fromTarget && toSource) {
      const unique = isUnique(target, fk.columns);
      out.push({
        target,
        fk,
        toMany: !unique,
        cardinality: unique ? 'one-to-one' : 'one-to-many',
        pairs: fk.refColumns.map((c, i) => ({ source: c, target: fk.columns[i]! }))
      });
    }
  }
  return out;
}

export function resolveRelationship(
  snap: SchemaSnapshot,
  source: TableInfo,
  relation: string,
  hint: string | null
): Relationship {
  const target = snap.tables.get(key(source.schema, relation));
  const notFound = (): RestError =>
    new RestError(
      400,
      'PGRST200',
      `Could not find a relationship between '${source.name}' and '${relation}' in the schema cache`,
      `Searched for a foreign key relationship between '${source.name}' and '${relation}'${hint ? ` using the hint '${hint}'` : ''} in the schema '${source.schema}', but no matches were found.`,
      null
    );
  if (!target) throw notFound();
  let candidates = candidateRelationships(snap, source, target);
  if (hint !== null) {
    candidates = candidates.filter((r) => r.fk.name === hint || r.fk.columns.includes(hint) || r.fk.refColumns.includes(hint));
  }
  if (candidates.length === 0) throw notFound();
  if (candidates.length > 1) {
    // A self-reference with both directions on one constraint: the hinted column picks the direction.
    if (hint !== null) {
      const bySourceColumn = candidates.filter((r) => r.pairs.some((p) => p.source === hint) && !r.toMany);
      if (bySourceColumn.length === 1) return bySourceColumn[0]!;
    }
    throw new RestError(
      300,
      'PGRST201',
      `Could not embed because more than one relationship was found for '${source.name}' and '${relation}'`,
      candidates.map((r) => ({
        cardinality: r.cardinality,
        embedding: `${source.name} with ${relation}`,
        relationship: `${r.fk.name} using ${r.fk.table}(${r.fk.columns.join(', ')}) and ${r.fk.refTable}(${r.fk.refColumns.join(', ')})`
      })),
      `Try changing '${relation}' to one of the following: ${candidates.map((r) => `'${relation}!${r.fk.name}'`).join(', ')}. Find the desired relationship in the 'details' key.`
    );
  }
  return candidates[0]!;
}
