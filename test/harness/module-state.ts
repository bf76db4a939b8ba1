/**
 * Static check for mutable module-level state (what blocks preloading on Moddable: a preloaded
 * module's objects live in flash, frozen, and must not change afterwards).
 *
 * Reports, per file: every top-level `let`/`var`; and every statement anywhere in the file that
 * mutates something reachable from a top-level binding — an assignment, `++`/`--` or `delete`
 * whose target starts at a top-level name (`TABLE.x = …`, `cache[k] = …`, `Klass.count++`), a
 * mutating method called on it (`TABLE.push(…)`, `scratch.fill(0)`, `registry.set(…)`), or
 * `Object.assign/defineProperty` on it. Instance state (`this.x = …`) and locals that shadow a
 * top-level name are not module state and are not reported.
 */
import ts from 'typescript';

const MUTATORS = new Set(['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin', 'set', 'add', 'delete', 'clear']);
const OBJECT_MUTATORS = new Set(['assign', 'defineProperty', 'defineProperties', 'setPrototypeOf']);

/** Leftmost identifier of `a.b[c].d`, or undefined (e.g. `this.x`, `f().x`). */
function root(e: ts.Expression): ts.Identifier | undefined {
  while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e)) e = e.expression;
  return ts.isIdentifier(e) ? e : undefined;
}

function isAssignment(k: ts.SyntaxKind): boolean {
  return k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment;
}

/** Names a scope declares (parameters, variables, functions, classes), not looking into nested functions. */
function declaredIn(node: ts.Node, out: Set<string>): void {
  const addName = (n: ts.BindingName | undefined): void => {
    if (!n) return;
    if (ts.isIdentifier(n)) out.add(n.text);
    else for (const el of n.elements) if (!ts.isOmittedExpression(el)) addName(el.name);
  };
  if (ts.isFunctionLike(node)) for (const p of node.parameters) addName(p.name);
  const visit = (n: ts.Node): void => {
    if (n !== node && (ts.isFunctionLike(n) || ts.isClassLike(n))) {
      if ((ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n)) && n.name) out.add(n.name.text);
      return;
    }
    if (ts.isVariableDeclaration(n)) addName(n.name);
    if (ts.isCatchClause(n) && n.variableDeclaration) addName(n.variableDeclaration.name);
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(node, visit);
}

/** Violations in one file's text, as `line: what` strings. */
export function moduleStateViolations(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const topLevel = new Set<string>();
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      const flags = st.declarationList.flags;
      const isConst = (flags & ts.NodeFlags.Const) !== 0;
      for (const d of st.declarationList.declarations) {
        if (ts.isIdentifier(d.name)) topLevel.add(d.name.text);
        if (!isConst && !(st.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword))) out.push(line(st) + ': module-level ' + ((flags & ts.NodeFlags.Let) ? 'let' : 'var') + ' ' + d.name.getText(sf));
      }
    } else if ((ts.isClassDeclaration(st) || ts.isFunctionDeclaration(st)) && st.name) topLevel.add(st.name.text);
    else if (ts.isEnumDeclaration(st)) topLevel.add(st.name.text);
  }

  // Walk with a stack of shadowed names, so `const buf = …; buf.fill(0)` in a function is local.
  const walk = (n: ts.Node, shadowed: ReadonlySet<string>): void => {
    let inner = shadowed;
    if (n !== sf && (ts.isFunctionLike(n) || ts.isBlock(n) || ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n) || ts.isCatchClause(n))) {
      const names = new Set<string>();
      declaredIn(n, names);
      if (names.size) inner = new Set([...shadowed, ...names]);
    }
    const isModuleName = (e: ts.Expression): ts.Identifier | undefined => {
      const r = root(e);
      return r && topLevel.has(r.text) && !inner.has(r.text) ? r : undefined;
    };
    let target: ts.Identifier | undefined;
    let what = '';
    if (ts.isBinaryExpression(n) && isAssignment(n.operatorToken.kind) && !ts.isIdentifier(n.left)) {
      target = isModuleName(n.left);
      what = 'assigns to ' + n.left.getText(sf);
    } else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) {
      target = ts.isIdentifier(n.operand) ? undefined : isModuleName(n.operand);
      what = 'increments ' + n.operand.getText(sf);
    } else if (ts.isDeleteExpression(n)) {
      target = isModuleName(n.expression);
      what = 'deletes ' + n.expression.getText(sf);
    } else if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const callee = n.expression;
      if (MUTATORS.has(callee.name.text)) {
        target = isModuleName(callee.expression);
        what = 'calls ' + callee.getText(sf) + '()';
      } else if (ts.isIdentifier(callee.expression) && callee.expression.text === 'Object' && OBJECT_MUTATORS.has(callee.name.text) && n.arguments.length) {
        target = isModuleName(n.arguments[0]);
        what = 'calls Object.' + callee.name.text + '(' + n.arguments[0].getText(sf) + ', …)';
      }
    }
    if (target) out.push(line(n) + ': ' + what + ' (module-level ' + target.text + ')');
    ts.forEachChild(n, (c) => walk(c, inner));
  };
  walk(sf, new Set());
  return out;
}
