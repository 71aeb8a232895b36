/**
 * Syntax tree of `when` / `changed_when` / `failed_when` expressions. Nodes are frozen after
 * parsing because one tree is shared by every host that evaluates the same source string.
 *
 * Positions: `start`/`end` are 0-based offsets into the source (for slicing the text of a
 * sub-expression into messages); `col` is the 1-based column an error about this node points at.
 */

export type FunctionName = 'length' | 'lower' | 'upper' | 'startswith' | 'endswith' | 'contains' | 'int' | 'bool' | 'default' | 'version_compare' | 'pluck';

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

export type TestName = 'defined' | 'empty';

interface Span {
  readonly start: number;
  readonly end: number;
  readonly col: number;
}

export type Node =
  | (Span & { readonly kind: 'literal'; readonly value: string | number | boolean | null })
  | (Span & { readonly kind: 'list'; readonly items: readonly Node[] })
  | (Span & { readonly kind: 'name'; readonly name: string })
  /** `object.property`; `col` points at the property name. */
  | (Span & { readonly kind: 'member'; readonly object: Node; readonly property: string })
  /** `object[index]`; `col` points at the `[`. */
  | (Span & { readonly kind: 'index'; readonly object: Node; readonly index: Node })
  | (Span & { readonly kind: 'call'; readonly fn: FunctionName; readonly args: readonly Node[] })
  | (Span & { readonly kind: 'not'; readonly operand: Node })
  | (Span & { readonly kind: 'neg'; readonly operand: Node })
  | (Span & { readonly kind: 'logical'; readonly op: 'and' | 'or'; readonly left: Node; readonly right: Node })
  /** `col` points at the operator. */
  | (Span & { readonly kind: 'compare'; readonly op: CompareOp; readonly left: Node; readonly right: Node })
  /** `operand is [not] defined|empty`; `col` points at `is`. */
  | (Span & { readonly kind: 'test'; readonly test: TestName; readonly negated: boolean; readonly operand: Node });

/** Nodes that name a value in the scope: the only ones `is defined` and `default()` treat leniently. */
export type RefNode = Extract<Node, { kind: 'name' | 'member' | 'index' }>;

export function isRef(node: Node): node is RefNode {
  return node.kind === 'name' || node.kind === 'member' || node.kind === 'index';
}

/** A parsed expression together with its source (needed to point at columns in messages). */
export interface ParsedExpression {
  readonly source: string;
  readonly root: Node;
  /** Top-level variable names the expression reads, in order of first use. */
  readonly names: readonly string[];
}

/** Deep-freeze a freshly built tree (plain objects and arrays only). */
export function freezeTree<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) freezeTree(child);
    Object.freeze(value);
  }
  return value;
}

/** Top-level names a tree reads (not function names, not property names). */
export function collectNames(root: Node): string[] {
  const seen = new Set<string>();
  const visit = (n: Node): void => {
    switch (n.kind) {
      case 'name':
        seen.add(n.name);
        return;
      case 'literal':
        return;
      case 'list':
        n.items.forEach(visit);
        return;
      case 'member':
        visit(n.object);
        return;
      case 'index':
        visit(n.object);
        visit(n.index);
        return;
      case 'call':
        n.args.forEach(visit);
        return;
      case 'not':
      case 'neg':
      case 'test':
        visit(n.operand);
        return;
      case 'logical':
      case 'compare':
        visit(n.left);
        visit(n.right);
        return;
    }
  };
  visit(root);
  return [...seen];
}
